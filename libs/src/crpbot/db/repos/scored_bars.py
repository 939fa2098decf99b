"""Scored bars: every bar the models scored, and its direction outcome once known.

Saves are idempotent on (bot, symbol, bar time, model version), so a re-run cycle stores
nothing twice; a direction outcome is written once (only onto a row that has none), so two
trackers resolving the same bar cannot disagree. The caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from crpbot.db.mapping import column_values, record_from_row
from crpbot.db.models import ScoredBar
from crpbot.db.records import ScoredBarRecord
from crpbot.db.upsert import dialect_insert, insert_or_ignore

SCORED_BAR_KEY = ("bot", "symbol", "bar_ts", "model_version")
_TABLE = cast(Table, ScoredBar.__table__)


def save_scored_bar(session: Session, record: ScoredBarRecord) -> bool:
    """Store a scored bar; False (nothing changed) when its key is already stored."""
    new_id = insert_or_ignore(
        session, _TABLE, column_values(record), SCORED_BAR_KEY, returning="id"
    )
    return new_id is not None


def save_scored_bars(session: Session, records: Sequence[ScoredBarRecord]) -> None:
    """`save_scored_bar` for a whole cycle's bars in one INSERT; stored keys stay as they were."""
    if not records:
        return
    insert = dialect_insert(session, _TABLE).on_conflict_do_nothing(
        index_elements=list(SCORED_BAR_KEY)
    )
    session.execute(insert, [column_values(record) for record in records])


def unresolved_scored_bars(
    session: Session, *, symbols: Iterable[str] | None = None
) -> list[ScoredBarRecord]:
    """Scored bars with no direction outcome yet, oldest bar first."""
    query = select(ScoredBar).where(ScoredBar.went_up.is_(None))
    if symbols is not None:
        query = query.where(ScoredBar.symbol.in_(list(symbols)))
    query = query.order_by(ScoredBar.bar_ts, ScoredBar.id)
    return [record_from_row(ScoredBarRecord, row) for row in session.scalars(query)]


def pending_symbols(session: Session) -> list[str]:
    """Symbols that have scored bars without a direction outcome."""
    query = select(ScoredBar.symbol).where(ScoredBar.went_up.is_(None)).distinct()
    return sorted(session.scalars(query))


def save_direction(
    session: Session,
    scored_bar_id: int,
    *,
    went_up: bool,
    close_at_horizon: float,
    resolved_ts: datetime,
) -> bool:
    """Write a bar's direction outcome once; False when it already had one."""
    statement = (
        update(ScoredBar)
        .where(ScoredBar.id == scored_bar_id, ScoredBar.went_up.is_(None))
        .values(went_up=went_up, close_at_horizon=close_at_horizon, resolved_ts=resolved_ts)
    )
    return bool(getattr(session.execute(statement), "rowcount", 0))


def resolved_scored_bars(
    session: Session,
    *,
    bot: str | None = None,
    model_version: str | None = None,
    until: datetime | None = None,
) -> list[ScoredBarRecord]:
    """Scored bars with their direction outcome, oldest resolution first (the calibrator
    refits on these, and the observation report's calibration error reads them)."""
    query = select(ScoredBar).where(ScoredBar.went_up.is_not(None))
    if bot is not None:
        query = query.where(ScoredBar.bot == bot)
    if model_version is not None:
        query = query.where(ScoredBar.model_version == model_version)
    if until is not None:
        query = query.where(ScoredBar.resolved_ts < until)
    query = query.order_by(ScoredBar.resolved_ts, ScoredBar.bar_ts, ScoredBar.id)
    return [record_from_row(ScoredBarRecord, row) for row in session.scalars(query)]
