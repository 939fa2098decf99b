"""Index approvals by account and time, so a check reads only its window.

The risk guard asks for an account's approvals since the start of the rate-limit window and
for the first approval of each local day; with `(account_id, approved, ts)` both are index
range seeks instead of reading every decision the account ever had. A pure index add.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEX = "ix_risk_decisions_account_id_approved_ts"


def upgrade() -> None:
    op.create_index(_INDEX, "risk_decisions", ["account_id", "approved", "ts"])


def downgrade() -> None:
    op.drop_index(_INDEX, table_name="risk_decisions")
