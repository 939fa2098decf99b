"""Outcomes: each signal is resolved once; the tracker reads what is still open."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from crpbot.db.mapping import column_values, record_from_row
from crpbot.db.models import Outcome, Signal
from crpbot.db.records import OutcomeRecord, SignalRecord
from crpbot.db.repos.signals import to_record as signal_record
from crpbot.db.upsert import insert_or_ignore
from crpbot.db.vocabulary import SignalStatus

_TABLE = cast(Table, Outcome.__table__)


def _record(row: Outcome) -> OutcomeRecord:
    return record_from_row(OutcomeRecord, row)


def save_outcome(session: Session, outcome: OutcomeRecord) -> bool:
    """Store how a signal ended; False (and nothing changed) if it was already resolved."""
    values = column_values(outcome)
    return insert_or_ignore(session, _TABLE, values, ("signal_id",)) is not None


def get_outcome(session: Session, signal_id: int) -> OutcomeRecord | None:
    """The outcome of one signal, if resolved."""
    row = session.get(Outcome, signal_id)
    return None if row is None else _record(row)


def unresolved_signals(
    session: Session,
    *,
    statuses: tuple[SignalStatus, ...] = ("approved", "rejected"),
    limit: int | None = None,
) -> list[SignalRecord]:
    """Signals with no outcome yet, oldest bar first (rejected ones too: learning uses both)."""
    query = (
        select(Signal)
        .outerjoin(Outcome, Outcome.signal_id == Signal.id)
        .where(Outcome.signal_id.is_(None), Signal.status.in_(statuses))
        .order_by(Signal.bar_ts, Signal.id)
        .limit(limit)
    )
    return [signal_record(row) for row in session.scalars(query)]


def resolved_signals(
    session: Session, *, since: datetime | None = None, bot: str | None = None
) -> list[tuple[SignalRecord, OutcomeRecord]]:
    """Signals with their outcomes, oldest resolution first (the calibrator refits on these);
    `bot` keeps one bot's (the skill gate's evidence is the bot's own)."""
    query = (
        select(Signal, Outcome)
        .join(Outcome, Outcome.signal_id == Signal.id)
        .order_by(Outcome.resolved_ts, Signal.id)
    )
    if since is not None:
        query = query.where(Outcome.resolved_ts >= since)
    if bot is not None:
        query = query.where(Signal.bot == bot)
    return [(signal_record(sig), _record(out)) for sig, out in session.execute(query).all()]
