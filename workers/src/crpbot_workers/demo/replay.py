"""Observation replay: the last days of the data, hour by hour, on a simulated clock.

Each replayed bar close is one `now`: a scan cycle (the feed is sliced at `now`, so no later
bar is ever seen), the in-process risk guard with event time, SQLite under the work dir, then
outcome tracking, and on schedule a calibrator refit. The guard sees a paper account whose
balance moves with the booked outcomes of approved signals (the same booking rule the
reports use), so its daily-loss floor and losing-streak cooldown act as they would live.

The database is rebuilt on every run: the guard refuses event times older than the newest it
has seen, and a replay from scratch is the only way to get the same answers twice.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from crpbot.confidence.calibration import Calibrator
from crpbot.db.engine import make_engine, session_factory, upgrade
from crpbot.db.repos.outcomes import resolved_signals
from crpbot.models.backend import Predictions
from crpbot.models.inference import InProcessBackend
from crpbot.models.metadata import ArtifactMetadata
from crpbot.notify.base import LogNotifier
from crpbot.observation.paper_account import paper_trades
from crpbot.scan.adapters import FramesFeed, InProcessRisk
from crpbot.scan.config import ScanConfig
from crpbot.scan.report import CycleReport
from crpbot.scan.scanner import Scanner, ScannerDeps
from crpbot.scan.spool import SignalSpool
from crpbot.services.learning import CalibrationScope, LearningService, active_calibrator
from crpbot.services.pause import StoredPauseFlag
from crpbot.services.risk_guard import RiskGuardService
from crpbot.signals.from_models import SignalRules
from crpbot_workers.demo.config import (
    DEMO_ACCOUNT,
    DEMO_BOT,
    DEMO_GRANULARITY,
    DEMO_SYMBOL,
    DemoConfig,
)

log = logging.getLogger(__name__)

Advance = Callable[[int, int, str], None]
_BAR = timedelta(hours=1)
TRACK_BARS = 500
"""Bars handed to the outcome tracker per cycle: far more than an open signal's lifetime,
and enough warm-up for the RSI and ATR-rank pattern buckets."""


@dataclass
class ReplayResult:
    """What the replay did, in counts; `reasons` counts rejection reasons. `won`, `lost` and
    `expired` are trade results of signals; `directions_resolved` counts scored bars whose
    direction outcome (the label the calibrator is refitted on) became known."""

    database: Path
    first_close: str
    last_close: str
    cycles: int = 0
    signals: int = 0
    approved: int = 0
    rejected: int = 0
    undecided: int = 0
    below_gate: int = 0
    failed_symbols: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    resolved: int = 0
    won: int = 0
    lost: int = 0
    expired: int = 0
    directions_resolved: int = 0
    refit_checks: int = 0
    refits: int = 0
    refits_adopted: int = 0
    seconds: float = 0.0


class ReplayModel:
    """The artifact's models as the replay's scanner sees them.

    Two differences from `InProcessBackend`: the calibrator the learning loop last adopted
    is swapped into the metadata, and only the newest window of each call is run through the
    networks. The scanner reads only the newest scored bar (`ScoredBar.from_scores`), but
    `score_candles` builds a window for every bar of the history it is given; the older
    windows get NaN instead of ~1000 wasted forward passes per simulated hour.
    """

    def __init__(self, backend: InProcessBackend) -> None:
        self._backend = backend
        self._calibrator: Calibrator | None = None

    @property
    def metadata(self) -> ArtifactMetadata:
        meta = self._backend.metadata
        return meta if self._calibrator is None else replace(meta, calibrator=self._calibrator)

    def predict(
        self, windows: npt.NDArray[np.floating], feature_names: Sequence[str]
    ) -> Predictions:
        newest = self._backend.predict(windows[-1:], feature_names)
        p_up = np.full(windows.shape[0], np.nan)
        strength = np.full(windows.shape[0], np.nan)
        p_up[-1:], strength[-1:] = newest.p_up, newest.strength
        return Predictions(p_up=p_up, strength=strength, model_version=newest.model_version)

    def adopt(self, calibrator: Calibrator | None) -> None:
        """Use `calibrator` from the next cycle on (None: the artifact's own)."""
        self._calibrator = calibrator


@dataclass(frozen=True)
class PaperEquity:
    """The paper balance at `now` from the outcomes booked by then (no open P/L is known)."""

    sessions: sessionmaker[Session]
    initial_balance: float
    risk_per_trade_pct: float

    def balance_and_equity(self, now: datetime) -> tuple[float, float]:
        with self.sessions() as session:
            trades = paper_trades(
                resolved_signals(session), self.initial_balance, self.risk_per_trade_pct
            )
        booked = [t.balance for t in trades if t.ts <= now]
        balance = booked[-1] if booked else self.initial_balance
        return balance, balance


def replay_start(candles: pd.DataFrame, days: int) -> pd.Timestamp:
    """UTC midnight `days` days before the day after the last bar: whole days are replayed."""
    last_day = pd.DatetimeIndex(candles.index)[-1].normalize()
    return last_day + pd.Timedelta(days=1) - pd.Timedelta(days=days)


def replay_closes(candles: pd.DataFrame, start: pd.Timestamp) -> list[datetime]:
    """The close time of every bar opening at or after `start`: one scan cycle each."""
    opens = pd.DatetimeIndex(candles.index)
    return [ts.to_pydatetime() + _BAR for ts in opens[opens >= start]]


def _fresh_database(workdir: Path) -> tuple[Engine, Path]:
    path = workdir / "observation.db"
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    upgrade(url)
    return make_engine(url), path


def _scanner(
    feed: FramesFeed, model: ReplayModel, engine: Engine, workdir: Path, config: DemoConfig
) -> Scanner:
    sessions = session_factory(engine)
    spool = workdir / "spool.jsonl"
    spool.unlink(missing_ok=True)
    scan = ScanConfig(
        DEMO_BOT,
        DEMO_ACCOUNT,
        (DEMO_SYMBOL,),
        DEMO_GRANULARITY,
        rules=SignalRules(expiry_bars=model.metadata.horizon),
        skill=config.skill,
    )
    deps = ScannerDeps(
        feed=feed,
        model=model,
        risk=InProcessRisk(RiskGuardService(engine, config.limits)),
        sessions=sessions,
        notifier=LogNotifier(),
        spool=SignalSpool(spool),
        equity=PaperEquity(sessions, config.initial_balance, config.limits.risk_per_trade_pct),
        pause=StoredPauseFlag(sessions, DEMO_BOT),
    )
    return Scanner(scan, deps)


def _count_cycle(result: ReplayResult, report: CycleReport) -> None:
    result.cycles += 1
    result.signals += report.signals
    result.approved += report.count("approved")
    result.rejected += report.count("rejected")
    result.undecided += report.count("risk_unavailable") + report.count("spooled")
    result.below_gate += report.count("below_gate")
    result.failed_symbols += report.count("failed")
    reasons = Counter(result.reasons)
    for symbol in report.results:
        if symbol.outcome == "rejected":
            reasons.update(symbol.reasons)
    result.reasons = dict(reasons)


def run_replay(
    candles: pd.DataFrame,
    model_dir: Path,
    version: str,
    workdir: Path,
    config: DemoConfig,
    advance: Advance,
) -> ReplayResult:
    """Replay the last `config.replay_days` days of `candles` through the whole local stack."""
    started = time.perf_counter()
    closes = replay_closes(candles, replay_start(candles, config.replay_days))
    if not closes:
        raise ValueError("the replay window holds no bars")
    engine, path = _fresh_database(workdir)
    try:
        model = ReplayModel(InProcessBackend(model_dir, version))
        feed = FramesFeed({DEMO_SYMBOL: candles}, DEMO_GRANULARITY)
        scanner = _scanner(feed, model, engine, workdir, config)
        sessions = session_factory(engine)
        scope = CalibrationScope(version, model.metadata.calibrator)
        learning = LearningService(sessions, bar=_BAR, policy=config.refit, scope=scope)
        result = ReplayResult(path, closes[0].isoformat(), closes[-1].isoformat())
        last_refit_check = closes[0]
        for i, now in enumerate(closes):
            _count_cycle(result, scanner.run_cycle(now))
            tracked = learning.track(
                {DEMO_SYMBOL: feed.recent_bars(DEMO_SYMBOL, now, TRACK_BARS)}, now
            )
            result.resolved += tracked.resolved
            result.won, result.lost = result.won + tracked.won, result.lost + tracked.lost
            result.expired += tracked.expired
            result.directions_resolved += tracked.directions_resolved
            if now - last_refit_check >= timedelta(hours=config.refit_every_hours):
                last_refit_check = now
                _refit(learning, model, sessions, version, now, result)
            advance(
                i + 1,
                len(closes),
                f"{now:%Y-%m-%d %H:%M} approved {result.approved} "
                f"rejected {result.rejected} resolved {result.resolved}",
            )
    finally:
        engine.dispose()
    result.seconds = round(time.perf_counter() - started, 3)
    return result


def _refit(
    learning: LearningService,
    model: ReplayModel,
    sessions: sessionmaker[Session],
    version: str,
    now: datetime,
    result: ReplayResult,
) -> None:
    result.refit_checks += 1
    change = learning.refit(now)
    if change is None:
        return
    result.refits += 1
    result.refits_adopted += int(change.adopted)
    with sessions() as session:
        model.adopt(active_calibrator(session, version))
