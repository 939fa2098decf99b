"""The cycle's database side: every write in its own transaction, and what an outage costs.

A failed write never undoes what the models computed: signals that cannot be stored or
given their verdict go to the local spool (replayed at the next cycle); scored bars and the
cycle row are only logged (they cost calibration samples and a history line, not signals).
Each database call is noted in `Reachability`, from which the scanner announces outages.
"""

from __future__ import annotations

import logging
from collections.abc import ItemsView
from dataclasses import replace
from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError

from crpbot.db.records import OutcomeRecord, ScanCycleRecord, ScoredBarRecord, SignalRecord
from crpbot.db.repos.outcomes import resolved_signals
from crpbot.db.repos.scan_cycles import record_scan_cycle
from crpbot.db.repos.scored_bars import save_scored_bars
from crpbot.db.repos.signals import save_signals, set_signal_statuses
from crpbot.db.vocabulary import SignalStatus
from crpbot.scan.deps import ScannerDeps
from crpbot.scan.report import CycleReport

log = logging.getLogger(__name__)

Verdict = tuple[SignalRecord, SignalStatus, tuple[str, ...]]


class Reachability:
    """Which dependencies answered during one cycle: any failed call makes its verdict down.
    A refusal (401, 404, 409, 422) counts as down too: the guard answers but approves
    nothing, e.g. an account locked by a wrong event time, and an operator must act."""

    def __init__(self) -> None:
        self._seen: dict[str, bool] = {}

    def reset(self) -> None:
        self._seen = {}

    def note(self, component: str, ok: bool) -> None:
        self._seen[component] = self._seen.get(component, True) and ok

    def items(self) -> ItemsView[str, bool]:
        return self._seen.items()


class CycleStore:
    """The scanner's database calls, each failing closed as the module docstring says."""

    def __init__(self, deps: ScannerDeps, reach: Reachability) -> None:
        self.deps = deps
        self.reach = reach

    def scored(self, records: list[ScoredBarRecord]) -> None:
        """Keep the cycle's scored bars for calibration in one transaction."""
        try:
            with self.deps.sessions.begin() as session:
                save_scored_bars(session, records)
        except SQLAlchemyError:
            self.reach.note("database", False)
            log.error(
                "scored bars not stored: database unavailable",
                extra={"symbols": [r.symbol for r in records]},
            )
            return
        self.reach.note("database", True)

    def signals(self, records: list[SignalRecord]) -> list[SignalRecord] | None:
        """The stored rows for `records`' keys (new or earlier), or None when spooled."""
        try:
            with self.deps.sessions.begin() as session:
                stored = save_signals(session, records)
        except SQLAlchemyError:
            for record in records:
                self._spool(replace(record, status="error", reasons=("db_unavailable",)))
            return None
        self.reach.note("database", True)
        return stored

    def statuses(self, verdicts: list[Verdict]) -> bool:
        """All verdicts in one transaction; if it fails, every signal goes to the spool."""
        try:
            with self.deps.sessions.begin() as session:
                set_signal_statuses(session, [(_id(s), status, why) for s, status, why in verdicts])
        except SQLAlchemyError:
            for signal, _, reasons in verdicts:
                unsaved = ("db_unavailable", *(r for r in reasons if r != "db_unavailable"))
                self._spool(replace(signal, status="error", reasons=unsaved))
            return False
        self.reach.note("database", True)
        return True

    def replay_spool(self) -> int:
        try:
            return self.deps.spool.replay(self.deps.sessions)
        except SQLAlchemyError:
            self._down()
            log.warning("database still unavailable: spool kept")
            return 0

    def paused(self) -> bool:
        """A flag that cannot be read does not stop the cycle: with the database down
        nothing can be approved anyway, and the computed signals still reach the spool."""
        if self.deps.pause is None:
            return False
        try:
            paused = self.deps.pause.is_paused()
        except SQLAlchemyError:
            self._down()
            return False
        self.reach.note("database", True)
        return paused

    def resolved(self, bot: str) -> list[tuple[SignalRecord, OutcomeRecord]] | None:
        """The bot's resolved signals (the skill gate's evidence), None when unreadable."""
        try:
            with self.deps.sessions() as session:
                return resolved_signals(session, bot=bot)
        except SQLAlchemyError:
            log.warning("skill gate unreadable", extra={"bot": bot})
            return None

    def record_cycle(self, report: CycleReport) -> None:
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
            self._down()
            log.warning("scan cycle not recorded: database unavailable")

    def _spool(self, record: SignalRecord) -> None:
        self._down()
        self.deps.spool.append(record)

    def _down(self) -> None:
        self.reach.note("database", False)
        self.deps.telemetry.count_error("database")


def _id(signal: SignalRecord) -> int:
    if signal.id is None:
        raise ValueError("only a stored signal gets a status")
    return signal.id
