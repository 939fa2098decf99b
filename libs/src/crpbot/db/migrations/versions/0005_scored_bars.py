"""Store every scored bar and its direction outcome: what calibration is checked and refitted on.

The calibrated probability is P(close `horizon` bars later > close now) for every bar the
models score, yet only bars that passed the confidence gate were stored (as signals), so a
refit could only see those, and only through their target-before-stop trade results: another
label. `scored_bars` keeps each scored bar (close, score, P(up) before and after calibration,
the horizon's nominal expiry) and, once the horizon bar has closed, whether the close went up.

The backfill copies every stored signal in: each was a scored bar. Its close is the signal's
entry (the scanner publishes the bar's close), its calibrated P(up) is the confidence read
back through the side (long: confidence; short: 1 - confidence). Direction outcomes start
empty; the tracker resolves them from candles. The downgrade drops the table (signals keep
every figure it was copied from).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLE = "scored_bars"
_KEY = ["bot", "symbol", "bar_ts", "model_version"]


def upgrade() -> None:
    op.create_table(
        _TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bot", sa.String(length=64), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("bar_ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("close", sa.Float(), nullable=False),
        sa.Column("expiry", sa.DateTime(timezone=True), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("p_up", sa.Float(), nullable=False),
        sa.Column("p_cal", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("went_up", sa.Boolean(), nullable=True),
        sa.Column("close_at_horizon", sa.Float(), nullable=True),
        sa.Column("resolved_ts", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scored_bars")),
        sa.UniqueConstraint(*_KEY, name=op.f("uq_scored_bars_bot_symbol_bar_ts_model_version")),
    )
    op.create_index(op.f("ix_scored_bars_resolved_ts"), _TABLE, ["resolved_ts"])
    signals = sa.table(
        "signals",
        *(sa.column(name) for name in _KEY),
        sa.column("entry", sa.Float()),
        sa.column("expiry", sa.DateTime(timezone=True)),
        sa.column("score", sa.Float()),
        sa.column("p_up", sa.Float()),
        sa.column("confidence", sa.Float()),
        sa.column("side", sa.String()),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("id", sa.Integer()),
    )
    p_cal = sa.case(
        (signals.c.side == "long", signals.c.confidence), else_=1.0 - signals.c.confidence
    )
    copied = sa.select(
        *(signals.c[name] for name in _KEY),
        signals.c.entry,
        signals.c.expiry,
        signals.c.score,
        signals.c.p_up,
        p_cal,
        signals.c.created_at,
    ).order_by(signals.c.id)
    columns = [*_KEY, "close", "expiry", "score", "p_up", "p_cal", "created_at"]
    op.execute(
        sa.insert(sa.table(_TABLE, *(sa.column(name) for name in columns))).from_select(
            columns, copied
        )
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_scored_bars_resolved_ts"), table_name=_TABLE)
    op.drop_table(_TABLE)
