"""Killing the risk guard mid-cycle approves nothing after the kill and loses no computed
signal; the next cycle, with a guard back on the same database, decides what was left.

A real `crpbot risk-guard serve` process on a real database; the scanner runs in this
process over four symbols. The cycle asks the guard about all of them in one batch, so the
kill is timed by the risk port: after the cycle has stored its four signals and just before
it asks, the guard is SIGKILLed, every run the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
import torch

from crpbot.data.bundled import load_bundled
from crpbot.db.engine import make_engine, session_factory
from crpbot.db.repos.signals import recent_signals
from crpbot.models.inference import InProcessBackend
from crpbot.notify.alerts import Alert, FailureAlert, SignalAlert
from crpbot.risk import CheckRequest
from crpbot.scan.adapters import FramesFeed, StaticEquity
from crpbot.scan.ports import CheckAnswer
from crpbot.scan.scanner import Scanner, ScannerDeps
from crpbot.scan.spool import SignalSpool
from crpbot.services.risk_client import RiskClient
from crpbot.telemetry.metrics import Telemetry
from tests.fixtures.artifacts import build_tiny_artifact
from tests.integration.risk_guard.processes import TOKEN, GuardProcess
from tests.unit.scan.support import scan_config

SYMBOLS = ("AAA-USD", "BBB-USD", "CCC-USD", "DDD-USD")
NOW = datetime(2018, 1, 22, 12, 0, tzinfo=UTC)
"""The close of a Monday 11:00 bar of the bundled EUR/USD data, served under each symbol."""
ACCOUNT = "acct"


class Recorder:
    """Records every alert the scanner sends."""

    def __init__(self) -> None:
        self.alerts: list[Alert] = []

    def notify(self, alert: Alert) -> None:
        self.alerts.append(alert)


class KillBeforeAsking(RiskClient):
    """The real client; the first batch check SIGKILLs the guard just before it is sent."""

    def __init__(self, guard: GuardProcess) -> None:
        super().__init__(guard.url, TOKEN, connect_timeout_s=0.5)
        self._guard: GuardProcess | None = guard

    def check_batch(self, requests: Sequence[CheckRequest]) -> list[CheckAnswer]:
        if self._guard is not None:
            self._guard.kill()
            self._guard = None
        return super().check_batch(requests)


def _outages(notifier: Recorder) -> list[tuple[str, bool]]:
    return [(a.component, a.recovered) for a in notifier.alerts if isinstance(a, FailureAlert)]


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> InProcessBackend:
    torch.set_num_threads(1)
    folder = tmp_path_factory.mktemp("kill-models")
    build_tiny_artifact(folder, bars=600, window=8)
    return InProcessBackend(folder)


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    eurusd = load_bundled("EURUSD")
    return {symbol: eurusd for symbol in SYMBOLS}


def test_guard_killed_mid_cycle_approves_nothing_after_and_loses_nothing(
    migrated_url: str,
    start_guard: Callable[[str], GuardProcess],
    model: InProcessBackend,
    frames: dict[str, pd.DataFrame],
    tmp_path: Path,
) -> None:
    engine = make_engine(migrated_url)
    sessions = session_factory(engine)
    guard = start_guard(migrated_url)
    notifier = Recorder()

    deps = ScannerDeps(
        feed=FramesFeed(frames, "ONE_HOUR"),
        model=model,
        risk=KillBeforeAsking(guard),
        sessions=sessions,
        notifier=notifier,
        spool=SignalSpool(tmp_path / "spool.jsonl"),
        telemetry=Telemetry(),
        equity=StaticEquity(100_000.0),
    )
    scanner = Scanner(scan_config(symbols=SYMBOLS, account=ACCOUNT), deps)

    killed = scanner.run_cycle(NOW)

    assert guard.process.poll() is not None, "the guard died during the cycle"
    assert [r.outcome for r in killed.results] == ["risk_unavailable"] * 4
    assert not [a for a in notifier.alerts if isinstance(a, SignalAlert)], "nothing approved"
    with sessions() as session:
        stored = {s.symbol: s for s in recent_signals(session, bot=killed.bot)}
    assert set(stored) == set(SYMBOLS), "every computed signal is stored"
    assert {stored[s].status for s in SYMBOLS} == {"error"}
    assert {stored[s].reasons for s in SYMBOLS} == {("risk_unavailable",)}
    assert not (tmp_path / "spool.jsonl").exists(), "the database was up: nothing spooled"
    assert _outages(notifier) == [("risk_guard", False)]

    back = start_guard(migrated_url)
    client = RiskClient(back.url, TOKEN)
    assert client.state(ACCOUNT).high_tier_last_hour == 0, "the dead guard approved nothing"
    scanner.deps.risk = RiskClient(back.url, TOKEN)
    next_cycle = scanner.run_cycle(NOW + timedelta(minutes=2))

    assert [r.outcome for r in next_cycle.results] == ["approved"] * 4
    with sessions() as session:
        after = {s.symbol: s for s in recent_signals(session, bot=killed.bot)}
    assert {s.status for s in after.values()} == {"approved"}
    assert {s.id for s in after.values()} == {s.id for s in stored.values()}, "no duplicates"
    assert client.state(ACCOUNT).high_tier_last_hour == 4
    announced = [a.symbol for a in notifier.alerts if isinstance(a, SignalAlert)]
    assert announced == list(SYMBOLS), "each approval announced exactly once"
    assert _outages(notifier) == [("risk_guard", False), ("risk_guard", True)]
    engine.dispose()
