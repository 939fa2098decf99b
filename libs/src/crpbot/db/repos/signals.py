"""Signals: idempotent saves keyed by (bot, symbol, bar time, model version), and reads.

Repository functions take an open `Session` and never commit: the caller owns the transaction,
so a signal, its risk decision and its status change can be written all-or-nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from crpbot.db.mapping import column_values, record_from_row
from crpbot.db.models import Signal
from crpbot.db.records import SavedSignal, SignalRecord
from crpbot.db.upsert import dialect_insert, insert_or_ignore
from crpbot.db.vocabulary import SignalStatus

SIGNAL_KEY = ("bot", "symbol", "bar_ts", "model_version")
_TABLE = cast(Table, Signal.__table__)
_KEYS_PER_SELECT = 500
"""Keys looked up per SELECT: four IN lists of at most this many values each stay far under
SQLite's and PostgreSQL's bound-parameter limits."""


def to_record(row: Signal) -> SignalRecord:
    """The plain record of a stored signal."""
    return record_from_row(SignalRecord, row)


def save_signal(session: Session, record: SignalRecord) -> SavedSignal:
    """Store `record` unless its key is already stored; a re-run cycle thus changes nothing.

    The stored row is left as it was when the key exists (first write wins), so a replay can
    never overwrite the decision a signal was published with.
    """
    new_id = insert_or_ignore(session, _TABLE, column_values(record), SIGNAL_KEY, returning="id")
    if new_id is not None:
        return SavedSignal(id=int(new_id), created=True)
    existing = session.execute(
        select(Signal.id).where(
            Signal.bot == record.bot,
            Signal.symbol == record.symbol,
            Signal.bar_ts == record.bar_ts,
            Signal.model_version == record.model_version,
        )
    ).scalar_one()
    return SavedSignal(id=existing, created=False)


def save_signals(session: Session, records: Sequence[SignalRecord]) -> list[SignalRecord]:
    """`save_signal` for a whole batch, returning the stored row of each record's key (new, or
    the earlier one left as it was), in order: one INSERT for the batch and one SELECT per
    `_KEYS_PER_SELECT` records, instead of three statements per signal."""
    if not records:
        return []
    insert = dialect_insert(session, _TABLE).on_conflict_do_nothing(index_elements=list(SIGNAL_KEY))
    session.execute(insert, [column_values(record) for record in records])
    stored: dict[tuple[object, ...], SignalRecord] = {}
    for start in range(0, len(records), _KEYS_PER_SELECT):
        chunk = records[start : start + _KEYS_PER_SELECT]
        query = select(Signal).where(
            Signal.bot.in_({r.bot for r in chunk}),
            Signal.symbol.in_({r.symbol for r in chunk}),
            Signal.bar_ts.in_({r.bar_ts for r in chunk}),
            Signal.model_version.in_({r.model_version for r in chunk}),
        )
        stored.update((_key(row), to_record(row)) for row in session.scalars(query))
    missing = [r.symbol for r in records if _key(r) not in stored]
    if missing:
        raise LookupError(f"signals of {missing} vanished inside their own transaction")
    return [stored[_key(record)] for record in records]


def _key(signal: Signal | SignalRecord) -> tuple[object, ...]:
    """The unique key; aware times compare (and hash) by instant, whatever their zone."""
    return (signal.bot, signal.symbol, signal.bar_ts, signal.model_version)


def set_signal_statuses(
    session: Session, verdicts: Sequence[tuple[int, SignalStatus, Sequence[str]]]
) -> None:
    """`set_signal_status` for many signals (id, status, reasons) in one statement."""
    if not verdicts:
        return
    statement = (
        update(_TABLE)
        .where(_TABLE.c.id == bindparam("signal_id"))
        .values(status=bindparam("new_status"), reasons=bindparam("new_reasons"))
    )
    rows = [
        {"signal_id": signal_id, "new_status": status, "new_reasons": list(reasons)}
        for signal_id, status, reasons in verdicts
    ]
    result = session.execute(statement, rows)
    if getattr(result, "rowcount", 0) != len(verdicts):
        raise LookupError(f"not every signal of {sorted(v[0] for v in verdicts)} exists")


def set_signal_status(
    session: Session,
    signal_id: int,
    status: SignalStatus,
    *,
    reasons: Sequence[str] = (),
) -> None:
    """Record the risk guard's verdict on a stored signal (e.g. `pending_risk` → `approved`)."""
    result = session.execute(
        update(Signal).where(Signal.id == signal_id).values(status=status, reasons=list(reasons))
    )
    if getattr(result, "rowcount", 0) != 1:
        raise LookupError(f"no signal with id {signal_id}")


def get_signal(session: Session, signal_id: int) -> SignalRecord | None:
    """One signal by id."""
    row = session.get(Signal, signal_id)
    return None if row is None else to_record(row)


def recent_signals(
    session: Session,
    *,
    bot: str | None = None,
    since: datetime | None = None,
    status: SignalStatus | None = None,
    limit: int = 100,
) -> list[SignalRecord]:
    """Signals newest bar first, optionally of one bot, from `since` on, with one status."""
    query = select(Signal).order_by(Signal.bar_ts.desc(), Signal.id.desc()).limit(limit)
    if bot is not None:
        query = query.where(Signal.bot == bot)
    if since is not None:
        query = query.where(Signal.bar_ts >= since)
    if status is not None:
        query = query.where(Signal.status == status)
    return [to_record(row) for row in session.scalars(query)]


def count_signals(session: Session, *, bot: str, since: datetime) -> int:
    """How many signals of `bot` have a bar at or after `since`, whatever became of them."""
    query = select(func.count()).select_from(Signal).where(Signal.bot == bot)
    return int(session.scalar(query.where(Signal.bar_ts >= since)) or 0)
