"""`crpbot run` as a process: after its first cycle, scraping its `/metrics` over HTTP shows
the cycle's series with the right values; SIGTERM stops it with exit 0 and nothing lost.

The candles are the bundled EUR/USD bars shifted so the newest one opens at the top of the
current hour: the loop runs on the wall clock, and whether its first cycle runs in this hour
or the next, a closed bar is there to score (a bar still open is never scored), so the test
never waits for the clock.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from prometheus_client.parser import text_string_to_metric_families

from crpbot.data.bundled import load_bundled
from crpbot.db.engine import make_engine, session_factory
from crpbot.db.repos.scan_cycles import scan_cycles
from crpbot.db.repos.signals import recent_signals
from tests.fixtures.ports import free_port

CRPBOT = Path(sys.executable).with_name("crpbot")
SYMBOL = "LIVE-USD"


@pytest.fixture
def live_csv(tmp_path: Path) -> Path:
    candles = load_bundled("EURUSD")
    this_hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    shift = this_hour - candles.index[-1].to_pydatetime()
    shifted = candles.set_axis(candles.index + pd.Timedelta(shift))
    path = tmp_path / f"{SYMBOL}.csv"
    shifted.to_csv(path, index_label="ts")
    return path


@pytest.fixture
def run_process(
    live_csv: Path, scan_env: dict[str, str], tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    port = free_port()
    env = {**os.environ, **scan_env, "CRPBOT_TELEMETRY__EXPORTER": "prometheus"}
    command = [str(CRPBOT), "run", "--data", str(live_csv), "--json", "--interval", "3600"]
    command += ["--settle", "0", "--metrics-port", str(port), "--metrics-host", "127.0.0.1"]
    stderr = (tmp_path / "run.log").open("w")
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True)
    yield process, f"http://127.0.0.1:{port}"
    if process.poll() is None:
        process.kill()
        process.wait(timeout=10)
    stderr.close()


def _first_cycle(process: subprocess.Popen[str]) -> dict[str, object]:
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("{"):
            payload: dict[str, object] = json.loads(line)
            return payload
    raise AssertionError(f"crpbot run exited {process.wait()} before a cycle")


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_run_serves_the_cycle_metrics_and_stops_cleanly_on_sigterm(
    run_process: tuple[subprocess.Popen[str], str], scan_env: dict[str, str]
) -> None:
    process, base = run_process
    cycle = _first_cycle(process)
    assert cycle["result"] == "ok"
    assert [s["outcome"] for s in cycle["symbols"]] == ["approved"]  # type: ignore[attr-defined,index]

    status, text = _get(f"{base}/metrics")
    assert status == 200
    samples = _samples(text)

    def value(series: str, **labels: str) -> float:
        return samples[(series, frozenset(labels.items()))]

    signal_labels = {"tier": "high", "decision": "approved", "symbol": SYMBOL}
    assert value("crpbot_signals_total", **signal_labels) == 1
    assert value("crpbot_scan_cycles_total", result="ok") == 1
    assert value("crpbot_scan_cycle_duration_seconds_count") == 1
    assert value("crpbot_scan_cycle_duration_seconds_sum") == pytest.approx(
        cycle["duration_s"], abs=1e-3
    )
    assert value("crpbot_signal_confidence_count", tier="high") == 1
    assert value("crpbot_equity", account="cli-bot") == 100_000
    assert value("crpbot_ftmo_daily_headroom", account="cli-bot") == 5_000
    assert value("crpbot_ftmo_total_headroom", account="cli-bot") == 10_000
    assert value("crpbot_bot_active", bot="cli-bot") == 1
    inference = [k for k in samples if k[0] == "crpbot_inference_latency_seconds_count"]
    assert [samples[k] for k in inference] == [1]
    status, body = _get(f"{base}/readyz")
    assert status == 200 and json.loads(body)["checks"]["database"]["ok"] is True
    assert _get(f"{base}/healthz")[0] == 200

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    sessions = session_factory(make_engine(scan_env["CRPBOT_DATABASE_URL"]))
    with sessions() as session:
        assert len(scan_cycles(session, bot="cli-bot")) == 1
        (stored,) = recent_signals(session, bot="cli-bot")
    assert (stored.symbol, stored.status) == (SYMBOL, "approved")
