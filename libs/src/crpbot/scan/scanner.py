"""One scan cycle over the whole universe at once: closed bars and features per symbol, the
models asked ONCE for every symbol's newest window, the cycle's signals stored in one
transaction, the risk guard asked once (`RiskPort.check_batch`), its verdicts recorded in one
transaction, approvals announced.

Order is what makes it safe. Computed signals are STORED FIRST (`pending_risk`), so nothing
the models said is lost whatever fails next; only then is the guard asked, and only a verdict
that reached the database is announced. It fails closed: no answer from the guard leaves the
signals `error` with reason `risk_unavailable`; no database means nothing is asked, approved
or announced, and the computed signals go to a local spool replayed at the next cycle. A
symbol whose bars or features fail is recorded as failed and the others go on; a failed
model call fails the symbols it was scoring.

Batching changes no answer: each symbol's window is the one the per-symbol scoring used, and
the guard decides a batch as it would the same checks one by one in the configured symbol
order (`crpbot.risk.batch`); tests/unit/scan/test_scanner_batch_equivalence.py compares the
two paths.

Wire `ScannerDeps` from the ports' adapters: the CLI does in `crpbot_workers.scanner.wiring`,
the demo (in-memory candles, in-process guard, SQLite, a simulated clock) in
`crpbot_workers.demo.replay`. Re-running a cycle at the same `now` stores nothing twice
and asks the guard nothing twice: the signal key is (bot, symbol, bar time, model version).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

import pandas as pd

from crpbot.candles.granularity import closed_bars_end, granularity_delta
from crpbot.db.records import SignalRecord
from crpbot.models.backend import FeatureMismatchError
from crpbot.models.scoring import NewestWindow, newest_window, score_windows
from crpbot.notify.alerts import Alert
from crpbot.notify.outage_watch import OutageWatch
from crpbot.scan.config import ScanConfig
from crpbot.scan.deps import ScannerDeps
from crpbot.scan.ports import CheckAnswer, RiskGuardUnavailable
from crpbot.scan.report import CycleReport, Outcome, SymbolResult
from crpbot.scan.signal import (
    ScoredBar,
    SignalIdentity,
    candidate_signals,
    check_request,
    scored_bar_records,
    signal_alert,
)
from crpbot.scan.storage import CycleStore, Reachability, Verdict
from crpbot.skill.gate import GateDecision, skill_gates
from crpbot.telemetry.tracing import stage_span

log = logging.getLogger(__name__)

__all__ = ["CycleReport", "InsufficientHistoryError", "ScanConfig", "Scanner", "ScannerDeps"]

_DECIDED = ("approved", "rejected")


class InsufficientHistoryError(ValueError):
    """The newest closed bar has no complete feature window (too little history)."""


_EXPECTED = (LookupError, InsufficientHistoryError, FeatureMismatchError)
"""Failures with a clear message (no data, too little history, wrong model inputs): logged
without a traceback."""


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
        self._reach = Reachability()
        self._store = CycleStore(deps, self._reach)

    def run_cycle(self, now: datetime) -> CycleReport:
        """One cycle at `now` (tz-aware; wall clock live, simulated in a replay)."""
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        deps, cfg = self.deps, self.config
        started = deps.timer()
        event_ts = closed_bars_end(now, cfg.granularity)
        self._reach.reset()
        deps.telemetry.prime_scanner(cfg.symbols)
        # Pushed (OTLP) at once: the cycle's counts then increase from a point of its own, so
        # `increase()` sees them even when the previous cycle's point has left the window.
        deps.telemetry.flush()
        if self._store.paused():
            deps.telemetry.set_bot_active(cfg.bot, False)
            log.info("bot paused: cycle skipped", extra={"bot": cfg.bot})
            return CycleReport(cfg.bot, now, event_ts, deps.timer() - started, paused=True)
        deps.telemetry.set_bot_active(cfg.bot, True)
        with stage_span("cycle", bot=cfg.bot, now=now.isoformat()):
            replayed = self._store.replay_spool()
            self._report_equity(event_ts)
            results = self._scan_all(now, event_ts)
        report = CycleReport(
            cfg.bot, now, event_ts, deps.timer() - started, results=results, replayed=replayed
        )
        deps.telemetry.observe_cycle(report.duration_s, report.result)
        self._store.record_cycle(report)
        self._announce_outages(now)
        log.info("scan cycle done", extra=report.log_fields())
        return report

    def _scan_all(self, now: datetime, event_ts: datetime) -> tuple[SymbolResult, ...]:
        """Every symbol's result, in the configured order. Bars and features per symbol (a
        symbol's failure is its own), the models once for all, storage and the guard once."""
        results: dict[str, SymbolResult] = {}
        windows: dict[str, NewestWindow] = {}
        for symbol in self.config.symbols:
            try:
                prepared = self._prepare(symbol, now, event_ts)
            except Exception as exc:  # one symbol must never stop the others
                results[symbol] = self._failed(symbol, exc)
                continue
            if isinstance(prepared, SymbolResult):
                results[symbol] = prepared
            else:
                windows[symbol] = prepared
        records: list[SignalRecord] = []
        version = self.deps.model.metadata.model_version
        scored = [
            (SignalIdentity(self.config.bot, symbol, version), bar)
            for symbol, bar in self._score_all(windows, results).items()
        ]
        if scored:
            with stage_span("store", kind="scored_bar", bars=len(scored)):
                self._store.scored(scored_bar_records(scored, self.config.rules, now))
        candidates = candidate_signals(scored, self.config.rules, self.config.thresholds, now)
        for (identity, bar), record in zip(scored, candidates, strict=True):
            if record is None:
                results[identity.symbol] = SymbolResult(
                    identity.symbol, "below_gate", confidence=bar.confidence
                )
            else:
                records.append(record)
        if records:
            try:
                results.update(self._decide_all(records, event_ts))
            except Exception as exc:  # a bug here must still leave a report and a cycle row
                results.update((r.symbol, self._failed(r.symbol, exc)) for r in records)
        return tuple(results[symbol] for symbol in self.config.symbols)

    def _failed(self, symbol: str, exc: Exception) -> SymbolResult:
        self.deps.telemetry.count_error("scanner")
        if isinstance(exc, _EXPECTED):
            log.error("symbol scan failed", extra={"symbol": symbol, "error": str(exc)})
        else:
            log.error("symbol scan failed", extra={"symbol": symbol}, exc_info=exc)
        return SymbolResult(symbol, "failed", error=f"{type(exc).__name__}: {exc}"[:300])

    def _prepare(
        self, symbol: str, now: datetime, event_ts: datetime
    ) -> SymbolResult | NewestWindow:
        """The symbol's newest closed bar as a model input, or why there is none."""
        with stage_span("fetch", symbol=symbol):
            recent = self.deps.feed.recent_bars(symbol, now, self.config.history_bars)
            bars = _closed(recent, now, self._bar)
        if bars.empty or bars.index[-1] + self._bar < pd.Timestamp(event_ts):
            return SymbolResult(symbol, "no_new_bar")
        metadata = self.deps.model.metadata
        if len(bars) < metadata.window:
            raise InsufficientHistoryError(
                f"{symbol}: {len(bars)} bars, the model needs {metadata.window}"
            )
        with stage_span("features", symbol=symbol):
            window = newest_window(bars, metadata)
        if window is None:
            raise InsufficientHistoryError(
                f"{symbol}: {len(bars)} bars give no complete window at the newest bar"
            )
        return window

    def _score_all(
        self, windows: dict[str, NewestWindow], results: dict[str, SymbolResult]
    ) -> dict[str, ScoredBar]:
        """One model call for every symbol's window; if it fails, every one of them failed."""
        if not windows:
            return {}
        model = self.deps.model
        metadata = model.metadata
        started = self.deps.timer()
        try:
            with stage_span("score", symbols=len(windows)):
                scores = score_windows(list(windows.values()), _feature_names(), model, metadata)
        except Exception as exc:
            results.update((symbol, self._failed(symbol, exc)) for symbol in windows)
            return {}
        self.deps.telemetry.observe_inference(
            self.config.backend_name, metadata.model_version, self.deps.timer() - started
        )
        bars = ScoredBar.many([window.ts for window in windows.values()], scores)
        return dict(zip(windows, bars, strict=True))

    def _decide_all(
        self, records: list[SignalRecord], event_ts: datetime
    ) -> dict[str, SymbolResult]:
        """Store the cycle's signals in one transaction, ask the guard about the undecided
        ones in one round trip, record every verdict in one transaction, announce approvals."""
        telemetry = self.deps.telemetry
        with stage_span("store", signals=len(records)):
            stored = self._store.signals(records)
        if stored is None:
            for record in records:
                telemetry.record_signal(record.tier, "error", record.symbol, record.confidence)
            return {
                r.symbol: SymbolResult.of(r, "spooled", reasons=("db_unavailable",))
                for r in records
            }
        results = {
            s.symbol: SymbolResult.of(s, "already_decided", reasons=s.reasons)
            for s in stored
            if s.status in _DECIDED
        }
        pending = [s for s in stored if s.status not in _DECIDED]
        if pending:
            results.update(self._ask_and_record(pending, event_ts))
        return results

    def _ask_and_record(
        self, pending: list[SignalRecord], event_ts: datetime
    ) -> dict[str, SymbolResult]:
        telemetry = self.deps.telemetry
        with stage_span("risk", signals=len(pending)):
            answers = self._ask_guard(pending, event_ts)
        if answers is None:
            self._store.statuses([(s, "error", ("risk_unavailable",)) for s in pending])
            for s in pending:
                telemetry.record_signal(s.tier, "error", s.symbol, s.confidence)
            return {
                s.symbol: SymbolResult.of(s, "risk_unavailable", reasons=("risk_unavailable",))
                for s in pending
            }
        verdicts: list[Verdict] = [
            (s, "approved" if a.approved else "rejected", tuple(str(r) for r in a.reasons))
            for s, a in zip(pending, answers, strict=True)
        ]
        with stage_span("store", signals=len(verdicts)):
            kept = self._store.statuses(verdicts)
        results: dict[str, SymbolResult] = {}
        approved = {s.tier for (s, _, _), a in zip(verdicts, answers, strict=True) if a.approved}
        gates = self._skill_gates(approved, event_ts) if kept and approved else {}
        for (signal, status, reasons), answer in zip(verdicts, answers, strict=True):
            if not kept:
                telemetry.record_signal(signal.tier, "error", signal.symbol, signal.confidence)
                unsaved = ("db_unavailable", *reasons)
                results[signal.symbol] = SymbolResult.of(signal, "spooled", reasons=unsaved)
                continue
            telemetry.record_signal(signal.tier, status, signal.symbol, signal.confidence)
            for reason in reasons:
                telemetry.record_rejection(reason)
            if answer.approved:
                with stage_span("notify", symbol=signal.symbol):
                    self._send(signal_alert(signal, answer.size, gates.get(signal.tier)))
            outcome: Outcome = "approved" if answer.approved else "rejected"
            results[signal.symbol] = SymbolResult.of(
                signal, outcome, reasons=reasons, size=answer.size
            )
        return results

    def _ask_guard(
        self, signals: list[SignalRecord], event_ts: datetime
    ) -> list[CheckAnswer] | None:
        account = self.config.account
        requests = [check_request(s, account, event_ts) for s in signals]
        try:
            answers = self.deps.risk.check_batch(requests)
        except RiskGuardUnavailable as exc:
            self._reach.note("risk_guard", False)
            self.deps.telemetry.count_error("risk_guard")
            log.error(
                "risk guard unavailable: signals not approved",
                extra={"symbols": [s.symbol for s in signals], "error": str(exc)},
            )
            return None
        self._reach.note("risk_guard", True)
        return answers

    def _report_equity(self, event_ts: datetime) -> None:
        source = self.deps.equity
        if source is None or event_ts == self._equity_ts:
            return
        balance, equity = source.balance_and_equity(event_ts)
        try:
            state = self.deps.risk.equity(self.config.account, balance, equity, event_ts)
        except RiskGuardUnavailable as exc:
            self._reach.note("risk_guard", False)
            self.deps.telemetry.count_error("risk_guard")
            log.warning("equity not reported to the risk guard", extra={"error": str(exc)})
            return
        self._reach.note("risk_guard", True)
        self._equity_ts = event_ts
        self.deps.telemetry.set_equity(
            self.config.account,
            state.equity,
            state.equity - state.daily_floor,
            state.equity - state.total_floor,
        )

    def _skill_gates(self, tiers: Iterable[str], event_ts: datetime) -> dict[str, GateDecision]:
        """Each tier's gate on the outcomes known at the cycle's event time, from ONE read of
        the bot's outcomes per cycle (not one per approved alert); none when the database
        cannot say, and the alerts then read as unproven."""
        resolved = self._store.resolved(self.config.bot)
        if resolved is None:
            return {}
        gates = skill_gates(resolved, event_ts, self.config.skill, tiers=sorted(tiers))
        return {gate.tier: gate for gate in gates}

    def _send(self, alert: Alert) -> None:
        try:
            self.deps.notifier.notify(alert)
        except Exception:  # a channel must not undo a stored approval or stop a cycle
            self.deps.telemetry.count_error("notify")
            log.exception("notification failed", extra={"alert": type(alert).__name__})

    def _announce_outages(self, now: datetime) -> None:
        if not self.config.outage_alerts:
            return
        for component, ok in self._reach.items():
            alert = self._outages.observe(component, ok, now)
            if alert is not None:
                self._send(alert)


def _closed(bars: pd.DataFrame, now: datetime, bar: timedelta) -> pd.DataFrame:
    """The bars closed by `now` (open + one bar <= now): a feed that leaks a forming bar must
    not reach the models. Bars in time order (as feeds give them) are a prefix, found by
    bisection; the row mask, ten times slower, is kept for any other order."""
    index = pd.DatetimeIndex(bars.index)
    if index.is_monotonic_increasing:
        return bars.iloc[: int(index.searchsorted(pd.Timestamp(now) - bar, side="right"))]
    return bars.loc[index + bar <= pd.Timestamp(now)]


def _feature_names() -> tuple[str, ...]:
    from crpbot.features.scale_free import model_feature_names

    return tuple(model_feature_names())
