"""`crpbot scan --once` with CRPBOT_INFERENCE=torchserve against a real TorchServe.

The scan runs through the CLI (typer's CliRunner, in this process) on SQLite with the bundled
EUR/USD bars; its models run on the module's server, which answers both crpbot models of the
artifact in CRPBOT_MODEL_DIR. When the server cannot answer (another version in the model
directory, or the server stopped) the scan must fail closed: the symbol is reported failed
with the reason, the exit code is 1, and nothing is stored (also when the server refuses
the scanner's key), so no signal is approved without a
prediction. Tests run in file order; the last one stops the server.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import requests
from typer.testing import CliRunner

from crpbot.db.engine import make_engine, session_factory
from crpbot.db.records import SignalRecord
from crpbot.db.repos.signals import recent_signals
from crpbot_workers.cli import app
from tests.fixtures.artifacts import build_tiny_artifact
from tests.integration.model_server.conftest import Served

pytestmark = [pytest.mark.torchserve, pytest.mark.slow]

runner = CliRunner()
NOW = "2018-01-22T12:00Z"
"""The close of the 11:00 bar of a Monday in the bundled EUR/USD data."""
SCAN = ["scan", "--once", "--data", "bundled:EURUSD", "--now", NOW, "--json"]


def _stored(env: dict[str, str]) -> list[SignalRecord]:
    sessions = session_factory(make_engine(env["CRPBOT_DATABASE_URL"]))
    with sessions() as session:
        return recent_signals(session, bot=env["CRPBOT_BOT_NAME"])


def _requests_served(served: Served, model: str) -> float:
    """TorchServe's own count of inference requests to `model` (its Prometheus metrics)."""
    text = requests.get(f"{served.server.metrics_url}/metrics", timeout=5).text
    pattern = rf'^ts_inference_requests_total{{[^}}]*model_name="{model}"[^}}]*}} (\S+)$'
    return sum(float(m.group(1)) for m in re.finditer(pattern, text, re.MULTILINE))


def test_scan_once_on_torchserve_stores_the_signal_with_the_served_version(
    served: Served, scan_on_torchserve: dict[str, str]
) -> None:
    before = _requests_served(served, "crpbot-lstm"), _requests_served(served, "crpbot-transformer")

    result = runner.invoke(app, SCAN)

    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert (payload["bot"], payload["result"]) == ("ts-bot", "ok")
    (row,) = payload["symbols"]
    assert (row["symbol"], row["outcome"], row["error"]) == ("EURUSD", "approved", "")
    (stored,) = _stored(scan_on_torchserve)
    assert (stored.id, stored.status) == (row["signal_id"], "approved")
    assert stored.model_version == served.artifact.version
    after = _requests_served(served, "crpbot-lstm"), _requests_served(served, "crpbot-transformer")
    assert after[0] > before[0] and after[1] > before[1]


def test_scan_once_fails_closed_when_the_server_lacks_the_model_version(
    served: Served,
    scan_on_torchserve: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    other = build_tiny_artifact(tmp_path / "other-models", seed=1)
    assert other.version != served.artifact.version
    monkeypatch.setenv("CRPBOT_MODEL_DIR", str(other.model_dir))

    result = runner.invoke(app, SCAN)

    assert result.exit_code == 1, result.output
    (row,) = json.loads(result.stdout)["symbols"]
    assert row["outcome"] == "failed"
    assert row["error"] == (
        f"InferenceUnavailableError: crpbot-lstm version {other.version} "
        f"is not served at {served.server.inference_url}"
    )
    assert _stored(scan_on_torchserve) == []


@pytest.mark.parametrize("key", ["wrong-key-0123456789abcdef", None], ids=["wrong", "none"])
def test_scan_once_fails_closed_when_the_server_refuses_the_key(
    served: Served,
    scan_on_torchserve: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    key: str | None,
) -> None:
    if key is None:
        monkeypatch.delenv("CRPBOT_TORCHSERVE_KEY")
    else:
        monkeypatch.setenv("CRPBOT_TORCHSERVE_KEY", key)

    result = runner.invoke(app, SCAN)

    assert result.exit_code == 1, result.output
    payload = json.loads(result.stdout)
    (row,) = payload["symbols"]
    assert (row["outcome"], row["signal_id"]) == ("failed", None)
    sent = "a wrong key" if key else "no key"
    assert row["error"] == (
        f"InferenceUnavailableError: crpbot-lstm at {served.server.inference_url} refused the "
        f"request (HTTP 401, {sent}): set CRPBOT_TORCHSERVE_KEY to the model server's key"
    )
    assert "wrong-key" not in result.output
    assert _stored(scan_on_torchserve) == []


def test_scan_once_fails_closed_when_torchserve_is_down(
    served: Served, scan_on_torchserve: dict[str, str]
) -> None:
    served.server.stop()

    result = runner.invoke(app, SCAN)

    assert result.exit_code == 1, result.output
    payload = json.loads(result.stdout)
    assert payload["result"] == "failed"
    (row,) = payload["symbols"]
    assert (row["outcome"], row["signal_id"], row["side"]) == ("failed", None, None)
    assert row["error"] == (
        "InferenceUnavailableError: TorchServe crpbot-lstm unavailable after 3 attempts: "
        "ConnectionError"
    )
    assert _stored(scan_on_torchserve) == []
