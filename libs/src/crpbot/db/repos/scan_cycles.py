"""Scan cycle history: timing and counts of each scanner cycle."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crpbot.db.models import ScanCycle
from crpbot.db.records import ScanCycleRecord


def record_scan_cycle(session: Session, cycle: ScanCycleRecord) -> int:
    """Store one finished scanner cycle; returns its id."""
    row = ScanCycle(
        bot=cycle.bot,
        started_at=cycle.started_at,
        finished_at=cycle.finished_at,
        duration_s=cycle.duration_s,
        symbols_ok=cycle.symbols_ok,
        symbols_failed=cycle.symbols_failed,
        signals=cycle.signals,
        errors=list(cycle.errors),
    )
    session.add(row)
    session.flush()
    return row.id


def scan_cycles(
    session: Session, *, bot: str | None = None, since: datetime | None = None, limit: int = 100
) -> list[ScanCycleRecord]:
    """Cycles newest first, optionally of one bot and from `since` on."""
    query = select(ScanCycle).order_by(ScanCycle.started_at.desc(), ScanCycle.id.desc())
    if bot is not None:
        query = query.where(ScanCycle.bot == bot)
    if since is not None:
        query = query.where(ScanCycle.started_at >= since)
    return [
        ScanCycleRecord(
            id=row.id,
            bot=row.bot,
            started_at=row.started_at,
            finished_at=row.finished_at,
            duration_s=row.duration_s,
            symbols_ok=row.symbols_ok,
            symbols_failed=row.symbols_failed,
            signals=row.signals,
            errors=tuple(row.errors),
        )
        for row in session.scalars(query.limit(limit))
    ]
