"""Drop `signals.decision_id`: nothing ever set it.

The risk guard's verdict already lives on the signal (`status`, `reasons`), and the guard may
keep its decisions in another database, so a foreign key from a signal to a decision row
could never be filled in. Batch mode recreates the table on SQLite (named CHECK constraints
and the unique key are reflected and carried over) and is a plain ALTER on PostgreSQL.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FK = "fk_signals_decision_id_risk_decisions"


def upgrade() -> None:
    with op.batch_alter_table("signals") as batch:
        batch.drop_constraint(_FK, type_="foreignkey")
        batch.drop_column("decision_id")


def downgrade() -> None:
    with op.batch_alter_table("signals") as batch:
        batch.add_column(sa.Column("decision_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            _FK, "risk_decisions", ["decision_id"], ["id"], ondelete="SET NULL"
        )
