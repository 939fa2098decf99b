"""Auto-learning: resolve stored signals and scored bars, keep pattern statistics, refit the
calibrator.

Two outcomes are tracked and never mixed: a signal's TRADE result (target before stop, or
expired at the horizon: `crpbot.learning.outcomes`), which feeds the pattern statistics and
the trade figures; and every scored bar's DIRECTION outcome (close at the horizon above the
close at the bar: `crpbot.learning.direction`), the label the calibrated probability predicts
and the only one the calibrator is refitted on.

`track` is idempotent and safe beside other trackers: an outcome is written with
insert-or-ignore (one per signal), and pattern counts are added only for outcomes this call
actually created, in the same transaction, so no signal is ever counted twice.

Where a refitted calibrator lives: in the `calibration_changes` table itself. Each refit
stores a row whose `after` JSON carries the model version, the fitted calibrator and whether
it was adopted. `active_calibrator(session, model_version)` returns the newest adopted one, so
the scanner swaps it into the artifact's metadata (`dataclasses.replace(metadata,
calibrator=...)`) before scoring; a new model version starts again from its artifact's own
calibrator, because calibrators are fitted to one model's scores. The database is the one
store every scanner of a bot already shares (SQLite locally, Postgres in the cluster), so
no artifact file is rewritten and the change log and the live calibrator cannot disagree.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from pydantic import TypeAdapter
from sqlalchemy.orm import Session, sessionmaker

from crpbot.confidence.calibration import Calibrator, Method
from crpbot.db.records import (
    CalibrationChangeRecord,
    OutcomeRecord,
    PatternDelta,
    SignalRecord,
)
from crpbot.db.repos.calibration import calibration_changes, log_calibration_change
from crpbot.db.repos.outcomes import save_outcome, unresolved_signals
from crpbot.db.repos.patterns import add_pattern_counts, pattern_stats
from crpbot.db.repos.scored_bars import (
    pending_symbols,
    resolved_scored_bars,
    save_direction,
    unresolved_scored_bars,
)
from crpbot.learning.direction import DirectionOutcome, resolve_direction
from crpbot.learning.outcomes import Resolution, resolve_signal
from crpbot.learning.patterns import (
    BucketCount,
    Observation,
    PatternSummary,
    count_patterns,
    features_at,
    signal_features,
    summarize,
)
from crpbot.learning.recalibrate import (
    CalibrationChange,
    DirectionSample,
    RefitDecision,
    RefitPolicy,
    recalibrate,
    refit_due,
)
from crpbot.telemetry.metrics import Telemetry

_log = logging.getLogger(__name__)
_CALIBRATOR = TypeAdapter(Calibrator)
_CHANGES_SCANNED = 1000


@dataclass(frozen=True)
class TrackReport:
    """One tracking pass: what was looked at and what got resolved.

    `checked` .. `invalid` count signals and their trade results; `directions_resolved` and
    `directions_pending` count scored bars whose direction outcome was written now or is not
    known yet (horizon bar not closed, or no candles reaching it).
    """

    checked: int
    resolved: int
    won: int
    lost: int
    expired: int
    still_open: int
    missing_candles: tuple[str, ...] = ()
    invalid: int = 0
    directions_resolved: int = 0
    directions_pending: int = 0


@dataclass(frozen=True)
class CalibrationScope:
    """Which model's calibrator is refitted, and the calibrator its artifact shipped with."""

    model_version: str
    base: Calibrator


def _stored(record: CalibrationChangeRecord, model_version: str) -> bool:
    return record.after.get("model_version") == model_version


def active_calibrator(session: Session, model_version: str) -> Calibrator | None:
    """The newest adopted refit of `model_version`'s calibrator (None: use the artifact's)."""
    for change in calibration_changes(session, limit=_CHANGES_SCANNED):
        if _stored(change, model_version) and change.after.get("adopted"):
            return _CALIBRATOR.validate_python(change.after["calibrator"])
    return None


def _last_refit(session: Session, model_version: str) -> datetime | None:
    for change in calibration_changes(session, limit=_CHANGES_SCANNED):
        if _stored(change, model_version):
            return change.ts
    return None


def _observation(
    signal: SignalRecord, resolution: Resolution, features: pd.DataFrame
) -> Observation:
    rsi, atr_rank = features_at(features, signal.bar_ts)
    return Observation(
        symbol=signal.symbol,
        tier=signal.tier,
        side=signal.side,
        bar_ts=signal.bar_ts,
        result=resolution.result,
        rsi=rsi,
        atr_pct_rank=atr_rank,
    )


def _change_json(change: CalibrationChange, scope: CalibrationScope) -> tuple[dict[str, Any], ...]:
    def side(calibrator: Calibrator, ece: float, brier: float) -> dict[str, Any]:
        return {
            "model_version": scope.model_version,
            "calibrator": _CALIBRATOR.dump_python(calibrator, mode="json"),
            "ece": ece,
            "brier": brier,
        }

    before = side(change.before, change.before_quality.ece, change.before_quality.brier)
    after = side(change.after, change.after_quality.ece, change.after_quality.brier)
    after |= {
        "adopted": change.adopted,
        "holdout_log_loss": change.holdout_log_loss,
        "holdout_gain": change.holdout_gain,
        "holdout_gain_se": change.holdout_gain_se,
    }
    return before, after


class LearningService:
    """Outcome tracking and recalibration over the crpbot database."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        bar: timedelta = timedelta(hours=1),
        policy: RefitPolicy | None = None,
        scope: CalibrationScope | None = None,
        telemetry: Telemetry | None = None,
    ) -> None:
        self._sessions = session_factory
        self._bar = bar
        self._policy = policy or RefitPolicy()
        self._scope = scope
        self._telemetry = telemetry

    def open_symbols(self) -> list[str]:
        """Symbols with unresolved signals or scored bars (the candles `track` will need)."""
        with self._sessions() as session:
            signals = {s.symbol for s in unresolved_signals(session)}
            return sorted(signals | set(pending_symbols(session)))

    def track(self, candles_by_symbol: Mapping[str, pd.DataFrame], now: datetime) -> TrackReport:
        """Resolve every open signal the candles (closed by `now`) decide; store and count."""
        with self._sessions() as session:
            pending = unresolved_signals(session)
        by_symbol: dict[str, list[SignalRecord]] = defaultdict(list)
        for signal in pending:
            by_symbol[signal.symbol].append(signal)
        missing = tuple(
            sorted(s for s in by_symbol if s not in candles_by_symbol or candles_by_symbol[s].empty)
        )
        resolved: list[tuple[SignalRecord, Resolution, Observation]] = []
        invalid = 0
        for symbol, signals in by_symbol.items():
            candles = candles_by_symbol.get(symbol)
            if candles is None or candles.empty:
                continue
            found, bad = self._resolve(signals, candles, now)
            resolved.extend(found)
            invalid += bad
        created = self._store(resolved, now)
        directions, direction_pending = self._track_directions(candles_by_symbol, now)
        report = TrackReport(
            checked=len(pending),
            resolved=len(created),
            won=sum(o.result == "won" for o in created),
            lost=sum(o.result == "lost" for o in created),
            expired=sum(o.result == "expired" for o in created),
            still_open=len(pending) - len(resolved) - invalid,
            missing_candles=missing,
            invalid=invalid,
            directions_resolved=directions,
            directions_pending=direction_pending,
        )
        _log.info("outcomes tracked", extra={"now": now.isoformat(), **report.__dict__})
        return report

    def _track_directions(
        self, candles_by_symbol: Mapping[str, pd.DataFrame], now: datetime
    ) -> tuple[int, int]:
        """Write the direction outcome of every scored bar the candles decide; returns how
        many were written now and how many stay pending (counted, never dropped)."""
        with self._sessions() as session:
            pending = unresolved_scored_bars(session)
        found: list[tuple[int, DirectionOutcome]] = []
        for scored in pending:
            candles = candles_by_symbol.get(scored.symbol)
            if candles is None or candles.empty:
                continue
            outcome = resolve_direction(scored, candles, self._bar, now)
            if outcome is not None and scored.id is not None:
                found.append((scored.id, outcome))
        written = 0
        with self._sessions.begin() as session:
            for scored_id, outcome in found:
                written += save_direction(
                    session,
                    scored_id,
                    went_up=outcome.went_up,
                    close_at_horizon=outcome.close_at_horizon,
                    resolved_ts=outcome.resolved_ts,
                )
        return written, len(pending) - len(found)

    def _resolve(
        self, signals: Sequence[SignalRecord], candles: pd.DataFrame, now: datetime
    ) -> tuple[list[tuple[SignalRecord, Resolution, Observation]], int]:
        found: list[tuple[SignalRecord, Resolution]] = []
        invalid = 0
        for signal in signals:
            try:
                resolution = resolve_signal(signal, candles, self._bar, now)
            except ValueError as exc:
                invalid += 1
                _log.warning(
                    "signal cannot resolve", extra={"signal_id": signal.id, "why": str(exc)}
                )
                continue
            if resolution is not None:
                found.append((signal, resolution))
        if not found:
            return [], invalid
        features = signal_features(candles)
        return [(s, r, _observation(s, r, features)) for s, r in found], invalid

    def _store(
        self, resolved: Sequence[tuple[SignalRecord, Resolution, Observation]], now: datetime
    ) -> list[Observation]:
        created: list[Observation] = []
        with self._sessions.begin() as session:
            for signal, resolution, observation in resolved:
                assert signal.id is not None
                outcome = OutcomeRecord(
                    signal_id=signal.id,
                    result=resolution.result,
                    resolved_ts=resolution.exit_ts,
                    exit_price=resolution.exit_price,
                    r_multiple=resolution.r_multiple,
                )
                if save_outcome(session, outcome):
                    created.append(observation)
            deltas = [
                PatternDelta(c.dimension, c.bucket, c.wins, c.losses, c.count)
                for c in count_patterns(created)
            ]
            add_pattern_counts(session, deltas, now)
        if self._telemetry is not None:
            for observation in created:
                self._telemetry.record_outcome(observation.tier, observation.result)
        return created

    def patterns(self, dimension: str | None = None) -> list[PatternSummary]:
        """Stored pattern statistics with win rates and Wilson intervals."""
        with self._sessions() as session:
            stats = pattern_stats(session, dimension)
        return summarize(
            [BucketCount(s.dimension, s.bucket, s.wins, s.losses, s.count) for s in stats]
        )

    def _samples(
        self, session: Session, model_version: str
    ) -> list[tuple[datetime, DirectionSample]]:
        """Every scored bar of `model_version` with its direction outcome, oldest first."""
        return [
            (bar.resolved_ts, DirectionSample(bar.score, bar.went_up))
            for bar in resolved_scored_bars(session, model_version=model_version)
            if bar.resolved_ts is not None and bar.went_up is not None
        ]

    def refit_decision(self, now: datetime) -> RefitDecision:
        """Whether `refit(now)` would refit (the schedule rule with the stored counts)."""
        scope = self._require_scope()
        with self._sessions() as session:
            return self._decide(session, scope, now)

    def _decide(self, session: Session, scope: CalibrationScope, now: datetime) -> RefitDecision:
        last = _last_refit(session, scope.model_version)
        resolved = [ts for ts, _ in self._samples(session, scope.model_version)]
        since = sum(ts >= last for ts in resolved) if last is not None else len(resolved)
        return refit_due(last, now, len(resolved), since, self._policy)

    def refit(
        self, now: datetime, *, force: bool = False, method: Method | None = None
    ) -> CalibrationChange | None:
        """Refit when due (or `force`), store the change; None when nothing was refitted."""
        scope = self._require_scope()
        with self._sessions.begin() as session:
            decision = self._decide(session, scope, now)
            if not (decision.due or force):
                _log.info("refit not due", extra={"reason": decision.reason})
                return None
            current = active_calibrator(session, scope.model_version) or scope.base
            samples = [s for _, s in self._samples(session, scope.model_version)]
            change = recalibrate(samples, current, method)
            if change is None:
                _log.info(
                    "refit skipped: direction outcomes carry a single label",
                    extra={"n": len(samples)},
                )
                return None
            before, after = _change_json(change, scope)
            change_id = log_calibration_change(
                session,
                CalibrationChangeRecord(
                    ts=now,
                    method=change.after.method,
                    n_samples=change.n_samples,
                    before=before,
                    after=after,
                ),
            )
        _log.info(
            "calibrator refitted",
            extra={
                "change_id": change_id,
                "model_version": scope.model_version,
                "adopted": change.adopted,
                "n_samples": change.n_samples,
                "ece_before": change.before_quality.ece,
                "ece_after": change.after_quality.ece,
            },
        )
        return change

    def _require_scope(self) -> CalibrationScope:
        if self._scope is None:
            raise ValueError(
                "recalibration needs a CalibrationScope (model version and calibrator)"
            )
        return self._scope
