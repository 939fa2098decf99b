"""A scanner wired for one process: in-process risk guard and pause flag on one database.

This is what the offline demo drives with a simulated clock::

    upgrade(url); engine = make_engine(url)
    model = InProcessBackend(model_dir)
    feed = FramesFeed({"EURUSD": load_bundled("EURUSD")}, "ONE_HOUR")
    scanner = build_local_scanner(ScanConfig("demo", "demo", ("EURUSD",)), feed, model,
                                  engine, spool_path=workdir / "spool.jsonl")
    for now in hourly_closes: scanner.run_cycle(now)

`FramesFeed` slices every frame at `now`, so the replay never sees a later bar. Each cycle
scores only the last `config.history_bars` bars of a symbol.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from crpbot.db.engine import session_factory
from crpbot.notify.base import LogNotifier, Notifier
from crpbot.risk import RiskLimits
from crpbot.scan.config import ScanConfig
from crpbot.scan.ports import CandleFeed, InProcessRisk, ScoringModel, StaticEquity
from crpbot.scan.scanner import Scanner, ScannerDeps
from crpbot.scan.spool import SignalSpool
from crpbot.services.pause import StoredPauseFlag
from crpbot.services.risk_guard import RiskGuardService
from crpbot.telemetry.metrics import Telemetry, get_telemetry


def build_local_scanner(
    config: ScanConfig,
    feed: CandleFeed,
    model: ScoringModel,
    engine: Engine,
    spool_path: Path,
    *,
    limits: RiskLimits | None = None,
    initial_balance: float = 100_000.0,
    notifier: Notifier | None = None,
    telemetry: Telemetry | None = None,
) -> Scanner:
    """A scanner whose guard, signals and pause flag share `engine` (already migrated).

    The account starts at `initial_balance` and stays there (observation mode sends no
    orders); pass your own `ScannerDeps` to report a simulated equity instead.
    """
    sessions = session_factory(engine)
    deps = ScannerDeps(
        feed=feed,
        model=model,
        risk=InProcessRisk(RiskGuardService(engine, limits)),
        sessions=sessions,
        notifier=notifier or LogNotifier(),
        spool=SignalSpool(spool_path),
        telemetry=telemetry or get_telemetry(),
        equity=StaticEquity(initial_balance),
        pause=StoredPauseFlag(sessions, config.bot),
    )
    return Scanner(config, deps)
