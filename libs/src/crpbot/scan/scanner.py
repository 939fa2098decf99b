"""One scan cycle: for each symbol fetch closed bars, score the newest, gate, store, ask the
risk guard, record its verdict, announce approvals.

Order is what makes it safe. A computed signal is STORED FIRST (`pending_risk`), so nothing
the models said is lost whatever fails next; only then is the guard asked, and only a verdict
that reached the database is announced. It fails closed: no answer from the guard leaves the
signal `error` with reason `risk_unavailable`; no database means nothing is asked, approved or
announced, and the computed signal goes to a local spool replayed at the next cycle. A
symbol's failure is recorded and the cycle goes on with the others.

Wire `ScannerDeps` from the ports' adapters: the CLI does in `crpbot_workers.scanner.wiring`,
the demo (in-memory candles, in-process guard, SQLite, a simulated clock) in
`crpbot_workers.demo.replay`. Re-running a cycle at the same `now` stores nothing twice
and asks the guard nothing twice: the signal key is (bot, symbol, bar time, model version).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from crpbot.candles.granularity import closed_bars_end, granularity_delta
from crpbot.db.records import ScanCycleRecord, ScoredBarRecord, SignalRecord
from crpbot.db.repos.outcomes import resolved_signals
from crpbot.db.repos.scan_cycles import record_scan_cycle
from crpbot.db.repos.scored_bars import save_scored_bar
from crpbot.db.repos.signals import get_signal, save_signal, set_signal_status
from crpbot.db.vocabulary import SignalStatus
from crpbot.models.backend import FeatureMismatchError
from crpbot.models.scoring import score_candles
from crpbot.notify.alerts import Alert
from crpbot.notify.base import Notifier
from crpbot.notify.outage_watch import OutageWatch
from crpbot.scan.config import ScanConfig
from crpbot.scan.ports import (
    CandleFeed,
    CheckAnswer,
    EquitySource,
    RiskGuardUnavailable,
    RiskPort,
    ScoringModel,
)
from crpbot.scan.report import CycleReport, Outcome, SymbolResult
from crpbot.scan.signal import (
    ScoredBar,
    SignalIdentity,
    candidate_signal,
    check_request,
    scored_bar_record,
    signal_alert,
)
from crpbot.scan.spool import SignalSpool
from crpbot.services.pause import PauseControl
from crpbot.skill.gate import GateDecision, skill_gate
from crpbot.telemetry.metrics import Telemetry, get_telemetry
from crpbot.telemetry.tracing import stage_span

log = logging.getLogger(__name__)

__all__ = ["CycleReport", "InsufficientHistoryError", "ScanConfig", "Scanner", "ScannerDeps"]

_DECIDED = ("approved", "rejected")


class InsufficientHistoryError(ValueError):
    """The newest closed bar has no complete feature window (too little history)."""


_EXPECTED = (LookupError, InsufficientHistoryError, FeatureMismatchError)
"""Failures with a clear message (no data, too little history, wrong model inputs): logged
without a traceback."""


@dataclass
class ScannerDeps:
    """Everything a cycle talks to; see `crpbot.scan.ports` for the seams."""

    feed: CandleFeed
    model: ScoringModel
    risk: RiskPort
    sessions: sessionmaker[Session]
    notifier: Notifier
    spool: SignalSpool
    telemetry: Telemetry = field(default_factory=get_telemetry)
    equity: EquitySource | None = None
    pause: PauseControl | None = None
    outages: OutageWatch | None = None
    timer: Callable[[], float] = time.perf_counter


class Scanner:
    """Runs cycles; between them it keeps only the last equity report time and which
    dependencies are down (so an outage is announced once when it starts and once when it
    ends, not every cycle)."""

    def __init__(self, config: ScanConfig, deps: ScannerDeps) -> None:
        self.config = config
        self.deps = deps
        self._bar = granularity_delta(config.granularity)
        self._equity_ts: datetime | None = None
        self._outages = deps.outages or OutageWatch(config.bot)
        self._reached: dict[str, bool] = {}

    def run_cycle(self, now: datetime) -> CycleReport:
        """One cycle at `now` (tz-aware; wall clock live, simulated in a replay)."""
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        deps, cfg = self.deps, self.config
        started = deps.timer()
        event_ts = closed_bars_end(now, cfg.granularity)
        self._reached = {}
        deps.telemetry.prime_scanner(cfg.symbols)
        if self._paused():
            deps.telemetry.set_bot_active(cfg.bot, False)
            log.info("bot paused: cycle skipped", extra={"bot": cfg.bot})
            return CycleReport(cfg.bot, now, event_ts, deps.timer() - started, paused=True)
        deps.telemetry.set_bot_active(cfg.bot, True)
        with stage_span("cycle", bot=cfg.bot, now=now.isoformat()):
            replayed = self._replay_spool()
            self._report_equity(event_ts)
            results = tuple(self._scan_guarded(symbol, now, event_ts) for symbol in cfg.symbols)
        report = CycleReport(
            cfg.bot, now, event_ts, deps.timer() - started, results=results, replayed=replayed
        )
        deps.telemetry.observe_cycle(report.duration_s, report.result)
        self._record_cycle(report)
        self._announce_outages(now)
        log.info("scan cycle done", extra=report.log_fields())
        return report

    def _scan_guarded(self, symbol: str, now: datetime, event_ts: datetime) -> SymbolResult:
        try:
            return self._scan_symbol(symbol, now, event_ts)
        except Exception as exc:  # one symbol must never stop the others
            self.deps.telemetry.count_error("scanner")
            if isinstance(exc, _EXPECTED):
                log.error("symbol scan failed", extra={"symbol": symbol, "error": str(exc)})
            else:
                log.exception("symbol scan failed", extra={"symbol": symbol})
            return SymbolResult(symbol, "failed", error=f"{type(exc).__name__}: {exc}"[:300])

    def _scan_symbol(self, symbol: str, now: datetime, event_ts: datetime) -> SymbolResult:
        with stage_span("fetch", symbol=symbol):
            bars = self.deps.feed.recent_bars(symbol, now, self.config.history_bars)
            bars = bars.loc[pd.DatetimeIndex(bars.index) + self._bar <= pd.Timestamp(now)]
        if bars.empty or bars.index[-1] + self._bar < pd.Timestamp(event_ts):
            return SymbolResult(symbol, "no_new_bar")
        with stage_span("score", symbol=symbol):
            bar, version = self._score(symbol, bars)
        identity = SignalIdentity(self.config.bot, symbol, version)
        with stage_span("store", symbol=symbol, kind="scored_bar"):
            self._store_scored(scored_bar_record(bar, identity, self.config.rules, now))
        record = candidate_signal(
            bar, identity, self.config.rules, self.config.thresholds, created_at=now
        )
        if record is None:
            return SymbolResult(symbol, "below_gate", confidence=bar.confidence)
        return self._decide(record, event_ts)

    def _score(self, symbol: str, bars: pd.DataFrame) -> tuple[ScoredBar, str]:
        model = self.deps.model
        metadata = model.metadata
        if len(bars) < metadata.window:
            raise InsufficientHistoryError(
                f"{symbol}: {len(bars)} bars, the model needs {metadata.window}"
            )
        started = self.deps.timer()
        scores = score_candles(bars, model, metadata)
        self.deps.telemetry.observe_inference(
            self.config.backend_name, metadata.model_version, self.deps.timer() - started
        )
        if scores.empty or scores.index[-1] != bars.index[-1]:
            raise InsufficientHistoryError(
                f"{symbol}: {len(bars)} bars give no complete window at the newest bar"
            )
        return ScoredBar.from_scores(scores), metadata.model_version

    def _decide(self, record: SignalRecord, event_ts: datetime) -> SymbolResult:
        symbol, telemetry = record.symbol, self.deps.telemetry
        with stage_span("store", symbol=symbol):
            stored = self._store_new(record)
        if stored is None:
            telemetry.record_signal(record.tier, "error", symbol, record.confidence)
            return SymbolResult.of(record, "spooled", reasons=("db_unavailable",))
        if stored.status in _DECIDED:
            return SymbolResult.of(stored, "already_decided", reasons=stored.reasons)
        with stage_span("risk", symbol=symbol):
            answer = self._ask_guard(stored, event_ts)
        if answer is None:
            self._set_status(stored, "error", ("risk_unavailable",))
            telemetry.record_signal(stored.tier, "error", symbol, stored.confidence)
            return SymbolResult.of(stored, "risk_unavailable", reasons=("risk_unavailable",))
        status: SignalStatus = "approved" if answer.approved else "rejected"
        reasons = tuple(str(r) for r in answer.reasons)
        with stage_span("store", symbol=symbol, status=status):
            kept = self._set_status(stored, status, reasons)
        if not kept:
            telemetry.record_signal(stored.tier, "error", symbol, stored.confidence)
            return SymbolResult.of(stored, "spooled", reasons=("db_unavailable", *reasons))
        telemetry.record_signal(stored.tier, status, symbol, stored.confidence)
        for reason in reasons:
            telemetry.record_rejection(reason)
        if answer.approved:
            with stage_span("notify", symbol=symbol):
                self._notify(stored, answer.size, event_ts)
        outcome: Outcome = "approved" if answer.approved else "rejected"
        return SymbolResult.of(stored, outcome, reasons=reasons, size=answer.size)

    def _ask_guard(self, signal: SignalRecord, event_ts: datetime) -> CheckAnswer | None:
        try:
            answer = self.deps.risk.check(check_request(signal, self.config.account, event_ts))
        except RiskGuardUnavailable as exc:
            self._reach("risk_guard", False)
            self.deps.telemetry.count_error("risk_guard")
            log.error(
                "risk guard unavailable: signal not approved",
                extra={"symbol": signal.symbol, "error": str(exc)},
            )
            return None
        self._reach("risk_guard", True)
        return answer

    def _store_scored(self, record: ScoredBarRecord) -> None:
        """Keep the scored bar for calibration; losing one to an outage costs one sample, so
        the cycle goes on (a signal of the same bar is spooled by `_store_new`)."""
        try:
            with self.deps.sessions.begin() as session:
                save_scored_bar(session, record)
        except SQLAlchemyError:
            self._reach("database", False)
            log.error(
                "scored bar not stored: database unavailable", extra={"symbol": record.symbol}
            )
            return
        self._reach("database", True)

    def _store_new(self, record: SignalRecord) -> SignalRecord | None:
        """The stored row for `record`'s key (new or earlier), or None when spooled."""
        try:
            with self.deps.sessions.begin() as session:
                saved = save_signal(session, record)
                stored = get_signal(session, saved.id)
        except SQLAlchemyError:
            self._spool(replace(record, status="error", reasons=("db_unavailable",)))
            return None
        self._reach("database", True)
        return stored

    def _set_status(
        self, signal: SignalRecord, status: SignalStatus, reasons: tuple[str, ...]
    ) -> bool:
        if signal.id is None:
            raise ValueError("only a stored signal gets a status")
        try:
            with self.deps.sessions.begin() as session:
                set_signal_status(session, signal.id, status, reasons=reasons)
        except SQLAlchemyError:
            unsaved = ("db_unavailable", *(r for r in reasons if r != "db_unavailable"))
            self._spool(replace(signal, status="error", reasons=unsaved))
            return False
        self._reach("database", True)
        return True

    def _spool(self, record: SignalRecord) -> None:
        self._reach("database", False)
        self.deps.telemetry.count_error("database")
        self.deps.spool.append(record)

    def _replay_spool(self) -> int:
        try:
            return self.deps.spool.replay(self.deps.sessions)
        except SQLAlchemyError:
            self._reach("database", False)
            self.deps.telemetry.count_error("database")
            log.warning("database still unavailable: spool kept")
            return 0

    def _paused(self) -> bool:
        """A flag that cannot be read does not stop the cycle: with the database down
        nothing can be approved anyway, and the computed signals still reach the spool."""
        if self.deps.pause is None:
            return False
        try:
            paused = self.deps.pause.is_paused()
        except SQLAlchemyError:
            self._reach("database", False)
            self.deps.telemetry.count_error("database")
            return False
        self._reach("database", True)
        return paused

    def _report_equity(self, event_ts: datetime) -> None:
        source = self.deps.equity
        if source is None or event_ts == self._equity_ts:
            return
        balance, equity = source.balance_and_equity(event_ts)
        try:
            state = self.deps.risk.equity(self.config.account, balance, equity, event_ts)
        except RiskGuardUnavailable as exc:
            self._reach("risk_guard", False)
            self.deps.telemetry.count_error("risk_guard")
            log.warning("equity not reported to the risk guard", extra={"error": str(exc)})
            return
        self._reach("risk_guard", True)
        self._equity_ts = event_ts
        self.deps.telemetry.set_equity(
            self.config.account,
            state.equity,
            state.equity - state.daily_floor,
            state.equity - state.total_floor,
        )

    def _notify(self, signal: SignalRecord, size: float, event_ts: datetime) -> None:
        self._send(signal_alert(signal, size, self._skill_gate(signal.tier, event_ts)))

    def _skill_gate(self, tier: str, event_ts: datetime) -> GateDecision | None:
        """The tier's gate on the outcomes known at the cycle's event time; None when the
        database cannot say, and the alert then reads as unproven."""
        try:
            with self.deps.sessions() as session:
                resolved = resolved_signals(session, bot=self.config.bot)
        except SQLAlchemyError:
            log.warning("skill gate unreadable", extra={"bot": self.config.bot})
            return None
        return skill_gate(resolved, tier, event_ts, self.config.skill)

    def _send(self, alert: Alert) -> None:
        try:
            self.deps.notifier.notify(alert)
        except Exception:  # a channel must not undo a stored approval or stop a cycle
            self.deps.telemetry.count_error("notify")
            log.exception("notification failed", extra={"alert": type(alert).__name__})

    def _reach(self, component: str, ok: bool) -> None:
        """Note one call to `component` this cycle; any failure makes the cycle's verdict down.
        A refusal (401, 404, 409, 422) counts as down too: the guard answers but approves
        nothing, e.g. an account locked by a wrong event time, and an operator must act."""
        self._reached[component] = self._reached.get(component, True) and ok

    def _announce_outages(self, now: datetime) -> None:
        if not self.config.outage_alerts:
            return
        for component, ok in self._reached.items():
            alert = self._outages.observe(component, ok, now)
            if alert is not None:
                self._send(alert)

    def _record_cycle(self, report: CycleReport) -> None:
        record = ScanCycleRecord(
            bot=report.bot,
            started_at=report.now,
            finished_at=report.now + timedelta(seconds=report.duration_s),
            duration_s=report.duration_s,
            symbols_ok=report.count_ok,
            symbols_failed=report.count("failed"),
            signals=report.signals,
            errors=report.errors,
        )
        try:
            with self.deps.sessions.begin() as session:
                record_scan_cycle(session, record)
        except SQLAlchemyError:
            self._reach("database", False)
            self.deps.telemetry.count_error("database")
            log.warning("scan cycle not recorded: database unavailable")
