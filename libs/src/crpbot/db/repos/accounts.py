"""Read-only views of the risk guard's accounts for reports.

The guard's own `AccountRepo` reads inside a locked transaction because it decides; a report
only looks back, so it reads plain rows and never takes the account's lock.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crpbot.db.models import Account, AccountSnapshot
from crpbot.risk import EquityPoint


def initial_balance(session: Session, account: str) -> float | None:
    """The balance the account's first `/v1/equity` set; None for an unknown account."""
    row = session.get(Account, account)
    return None if row is None else float(row.initial_balance)


def equity_points(
    session: Session, account: str, *, since: datetime, until: datetime
) -> list[EquityPoint]:
    """Snapshots in [since, until) oldest first, preceded by the newest one before `since`.

    The earlier point is what a day that started before `since` opened with, so floors at the
    window's start come out as the guard computed them.
    """
    columns = (AccountSnapshot.ts, AccountSnapshot.balance, AccountSnapshot.equity)
    mine = AccountSnapshot.account_id == account
    before = session.execute(
        select(*columns)
        .where(mine, AccountSnapshot.ts < since)
        .order_by(AccountSnapshot.ts.desc(), AccountSnapshot.id.desc())
        .limit(1)
    ).all()
    inside = session.execute(
        select(*columns)
        .where(mine, AccountSnapshot.ts >= since, AccountSnapshot.ts < until)
        .order_by(AccountSnapshot.ts, AccountSnapshot.id)
    ).all()
    return [EquityPoint(ts, float(b), float(e)) for ts, b, e in [*before, *inside]]
