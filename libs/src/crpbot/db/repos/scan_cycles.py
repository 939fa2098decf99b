"""Scan cycle history: timing and counts of each scanner cycle."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crpbot.db.mapping import column_values, record_from_row
from crpbot.db.models import ScanCycle
from crpbot.db.records import ScanCycleRecord


def record_scan_cycle(session: Session, cycle: ScanCycleRecord) -> int:
    """Store one finished scanner cycle; returns its id."""
    row = ScanCycle(**column_values(cycle))
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
    return [record_from_row(ScanCycleRecord, row) for row in session.scalars(query.limit(limit))]
