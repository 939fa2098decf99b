"""Keep each account's history summary on its row, so a check never reads the whole history.

The risk guard needed, on every check, the number of local days with an approval and the
lowest equity ever reported: one index seek per trading day and a scan of every snapshot.
`accounts` now carries `trading_days`, `last_approval_ts` (the newest approval, which also
says whether today is already a trading day) and `lowest_equity`, which the guard updates
in the transaction that writes each approval or report.

The backfill computes them from the rows already there. The trading-day count is done in
Python rather than SQL: a day is a calendar day in Europe/Prague (FTMO's server time, whose
UTC offset moves with daylight saving), which SQLite cannot convert to; computing it the same
way on both backends keeps them equal. The downgrade drops the columns (the rows they
summarise are untouched, so upgrading again recomputes them).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FTMO_ZONE = ZoneInfo("Europe/Prague")

_accounts = sa.table(
    "accounts",
    sa.column("id", sa.String()),
    sa.column("trading_days", sa.Integer()),
    sa.column("last_approval_ts", sa.DateTime(timezone=True)),
    sa.column("lowest_equity", sa.Float()),
)
_snapshots = sa.table(
    "account_snapshots", sa.column("account_id", sa.String()), sa.column("equity", sa.Float())
)
_decisions = sa.table(
    "risk_decisions",
    sa.column("account_id", sa.String()),
    sa.column("ts", sa.DateTime(timezone=True)),
    sa.column("approved", sa.Boolean()),
)


def upgrade() -> None:
    op.add_column(
        "accounts",
        sa.Column("trading_days", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
    op.add_column("accounts", sa.Column("last_approval_ts", sa.DateTime(timezone=True)))
    op.add_column("accounts", sa.Column("lowest_equity", sa.Float()))
    _backfill(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("lowest_equity")
        batch.drop_column("last_approval_ts")
        batch.drop_column("trading_days")


def _backfill(connection: sa.Connection) -> None:
    approved = sa.and_(_decisions.c.account_id == _accounts.c.id, _decisions.c.approved)
    lowest = sa.select(sa.func.min(_snapshots.c.equity)).where(
        _snapshots.c.account_id == _accounts.c.id
    )
    connection.execute(
        sa.update(_accounts).values(
            last_approval_ts=sa.select(sa.func.max(_decisions.c.ts))
            .where(approved)
            .scalar_subquery(),
            lowest_equity=lowest.scalar_subquery(),
        )
    )
    days = _trading_days(connection)
    if days:
        connection.execute(
            sa.update(_accounts)
            .where(_accounts.c.id == sa.bindparam("account"))
            .values(trading_days=sa.bindparam("days")),
            [{"account": account, "days": count} for account, count in days.items()],
        )


def _trading_days(connection: sa.Connection) -> dict[str, int]:
    """Distinct Prague calendar days with an approval, per account (read in one pass)."""
    days: defaultdict[str, set[date]] = defaultdict(set)
    rows = connection.execute(
        sa.select(_decisions.c.account_id, _decisions.c.ts).where(_decisions.c.approved)
    )
    for account, ts in rows:
        # SQLite hands back the stored UTC time without a zone; PostgreSQL an aware value.
        utc = ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts
        days[account].add(utc.astimezone(_FTMO_ZONE).date())
    return {account: len(dates) for account, dates in days.items()}

