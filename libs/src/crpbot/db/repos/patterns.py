"""Pattern statistics: win/loss counts per (dimension, bucket), kept by the outcome tracker."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from crpbot.db.mapping import record_from_row
from crpbot.db.models import PatternStat
from crpbot.db.records import PatternDelta, PatternStatRecord
from crpbot.db.upsert import insert_or_update

_KEY = ("dimension", "bucket")
_TABLE = cast(Table, PatternStat.__table__)


def add_pattern_counts(session: Session, deltas: Sequence[PatternDelta], now: datetime) -> None:
    """Add counts to buckets atomically (creating them), so concurrent trackers both count."""
    for delta in deltas:
        insert_or_update(
            session,
            _TABLE,
            {
                "dimension": delta.dimension,
                "bucket": delta.bucket,
                "wins": delta.wins,
                "losses": delta.losses,
                "count": delta.count,
                "updated_at": now,
            },
            _KEY,
            lambda new: {
                "wins": _TABLE.c.wins + new.wins,
                "losses": _TABLE.c.losses + new.losses,
                "count": _TABLE.c.count + new.count,
                "updated_at": new.updated_at,
            },
        )


def replace_pattern_stats(session: Session, stats: Sequence[PatternStatRecord]) -> None:
    """Overwrite buckets with recomputed totals (a full rebuild from the outcomes table)."""
    for stat in stats:
        insert_or_update(
            session,
            _TABLE,
            {
                "dimension": stat.dimension,
                "bucket": stat.bucket,
                "wins": stat.wins,
                "losses": stat.losses,
                "count": stat.count,
                "updated_at": stat.updated_at,
            },
            _KEY,
            lambda new: {
                "wins": new.wins,
                "losses": new.losses,
                "count": new.count,
                "updated_at": new.updated_at,
            },
        )


def pattern_stats(session: Session, dimension: str | None = None) -> list[PatternStatRecord]:
    """Stored buckets, by dimension then bucket."""
    query = select(PatternStat).order_by(PatternStat.dimension, PatternStat.bucket)
    if dimension is not None:
        query = query.where(PatternStat.dimension == dimension)
    return [record_from_row(PatternStatRecord, row) for row in session.scalars(query)]
