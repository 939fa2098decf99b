"""The risk guard's persistence: one locked transaction per account, and the few reads and
writes the guard needs, on the shared models (`accounts`, `account_snapshots`,
`risk_decisions`).

Serialising per account is what keeps concurrent callers from exceeding a limit: PostgreSQL
locks the account row (`SELECT … FOR UPDATE`); on SQLite the engine from
`crpbot.db.engine.make_engine` starts every transaction with `BEGIN IMMEDIATE`, which takes
the database write lock up front, so two callers cannot both read, decide, then both write.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Float,
    String,
    bindparam,
    cast,
    insert,
    literal,
    null,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from crpbot.clock import utcnow
from crpbot.db.base import Base
from crpbot.db.models import Account, AccountSnapshot, RiskDecision
from crpbot.risk import ApprovedSignal, CheckRequest, Decision, EquityPoint, Tier, ftmo

_accounts = Base.metadata.tables[Account.__tablename__]
_snapshots = Base.metadata.tables[AccountSnapshot.__tablename__]
_decisions = Base.metadata.tables[RiskDecision.__tablename__]

# Built once: a check runs these on every call, and SQLAlchemy then reuses their compiled
# form by cache key instead of building and compiling a statement per call (which was most of
# a check's CPU). Core rows, not ORM objects: a check needs values, not an identity map.
_LOCK = (
    select(
        _accounts.c.initial_balance,
        _accounts.c.created_at,
        _accounts.c.last_ts,
        _accounts.c.trading_days,
        _accounts.c.last_approval_ts,
        _accounts.c.lowest_equity,
    )
    .where(_accounts.c.id == bindparam("account"))
    .with_for_update()
)
_NO_FLOAT = cast(null(), Float)
_NO_TEXT = cast(null(), String)
_POINT = (
    _snapshots.c.ts,
    _snapshots.c.id,
    _snapshots.c.balance,
    _snapshots.c.equity,
    _NO_TEXT,
    _NO_TEXT,
    _NO_FLOAT,
    _NO_FLOAT,
    _NO_FLOAT,
)
_before = (
    select(*_POINT[:4])
    .where(
        _snapshots.c.account_id == bindparam("account"),
        _snapshots.c.ts < bindparam("points_start"),
    )
    .order_by(_snapshots.c.ts.desc(), _snapshots.c.id.desc())
    .limit(1)
    .subquery()
)
_EARLIER, _POINTS, _APPROVALS = 0, 1, 2
_RECENT = union_all(
    select(literal(_EARLIER).label("kind"), *_before.c, *_POINT[4:]),
    select(literal(_POINTS), *_POINT).where(
        _snapshots.c.account_id == bindparam("account"),
        _snapshots.c.ts >= bindparam("points_start"),
    ),
    select(
        literal(_APPROVALS),
        _decisions.c.ts,
        _decisions.c.id,
        _NO_FLOAT,
        _NO_FLOAT,
        _decisions.c.symbol,
        _decisions.c.tier,
        _decisions.c.size,
        _decisions.c.entry,
        _decisions.c.stop,
    ).where(
        _decisions.c.account_id == bindparam("account"),
        _decisions.c.approved.is_(True),
        _decisions.c.ts >= bindparam("approvals_start"),
    ),
).order_by("kind", "ts", "id")
"""Everything a decision reads besides the locked account row, in one round trip: the newest
point before `points_start`, every point from it on, and the approvals from
`approvals_start` on. It must be its own statement after the lock: PostgreSQL gives each
statement the snapshot of its start, so reads in the locking statement itself would miss what
the lock's previous holder committed."""
_APPROVED_TIMES = select(_decisions.c.ts).where(
    _decisions.c.account_id == bindparam("account"), _decisions.c.approved.is_(True)
)
_ADD_SNAPSHOT = insert(_snapshots)
_ADD_DECISION = insert(_decisions)
_SUMMARY = ("last_ts", "trading_days", "last_approval_ts", "lowest_equity")
_SAVE_ACCOUNT = (
    update(_accounts)
    .where(_accounts.c.id == bindparam("account"))
    .values({c: bindparam(f"new_{c}", type_=_accounts.c[c].type) for c in _SUMMARY})
)
"""The account row's running summary, written whole: the row is locked, so the columns not
changed are written back as read."""
_SAVE_CHECK = _SAVE_ACCOUNT.add_cte(
    insert(_decisions)
    .values(
        {
            c.name: bindparam(f"decision_{c.name}", type_=c.type)
            for c in _decisions.c
            if c is not _decisions.c.id
        }
    )
    .cte("added")
)
"""A check's writes on PostgreSQL in one statement: its decision, inserted by a
data-modifying CTE of the account row's update (SQLite has no such CTEs)."""


class UnknownAccountError(LookupError):
    """No `/v1/equity` has been recorded for this account yet."""


class StaleEventError(ValueError):
    """The event is older than the newest one already seen for the account."""

    def __init__(self, message: str, account: str = "") -> None:
        super().__init__(message)
        self.account = account


@dataclass(slots=True)
class _AccountRow:
    """The locked account row as read, and whether it changed since (then written back once,
    at the end of the transaction, by `AccountRepo.save`)."""

    id: str
    initial_balance: float
    created_at: datetime
    last_ts: datetime | None
    trading_days: int
    last_approval_ts: datetime | None
    lowest_equity: float | None
    changed: bool = False

    def set(self, column: str, value: Any) -> None:
        setattr(self, column, value)
        self.changed = True

    def summary(self) -> dict[str, Any]:
        return {"account": self.id, **{f"new_{c}": getattr(self, c) for c in _SUMMARY}}


@dataclass(frozen=True, slots=True)
class Recent:
    """What `AccountRepo.recent` read: the newest point before the points' start (None if
    there is none), the points from it on and the approvals in the window, oldest first."""

    earlier: EquityPoint | None
    points: list[EquityPoint]
    approvals: list[ApprovedSignal]


class AccountRepo:
    """Reads and writes for one account inside the caller's locked transaction."""

    def __init__(self, conn: Connection, account: _AccountRow) -> None:
        self._conn = conn
        self._account = account
        self._decisions: list[dict[str, Any]] = []

    @property
    def initial_balance(self) -> float:
        return float(self._account.initial_balance)

    @property
    def last_ts(self) -> datetime:
        """Newest event time seen (an account is created by an event, so there is one)."""
        return self._account.last_ts or self._account.created_at

    def advance_clock(self, ts: datetime) -> None:
        """Event time never goes back: an older event would rewrite a decided past."""
        newest = self._account.last_ts
        if newest is not None and ts < newest:
            raise StaleEventError(
                f"ts {ts.isoformat()} is older than the newest seen {newest.isoformat()}",
                self._account.id,
            )
        self._account.set("last_ts", ts)

    @property
    def trading_days(self) -> int:
        """Local days with an approval so far (kept by `add_decision`, not counted here)."""
        return self._account.trading_days

    @property
    def last_approval_ts(self) -> datetime | None:
        return self._account.last_approval_ts

    @property
    def lowest_equity(self) -> float | None:
        """The lowest equity ever reported (kept by `add_snapshot`)."""
        lowest = self._account.lowest_equity
        return None if lowest is None else float(lowest)

    def rewind_clock(self, to: datetime, timezone: str) -> int:
        """Set the newest event time to `to` (an operator's recovery of a locked account).

        Reports and decisions stamped after `to` are re-stamped to `to`, not deleted: they did
        happen (their stamp was wrong), an approval among them keeps counting toward the limits
        as if made now, which errs on the safe side, and a later event can never land before
        them. Re-stamped approvals can merge trading days, so the count is redone from every
        approval (in `timezone`): a full read, but of a rare operator action, never a check.
        Returns how many rows were re-stamped.
        """
        moved = 0
        for table in (_snapshots, _decisions):
            result = self._conn.execute(
                update(table)
                .where(table.c.account_id == self._account.id, table.c.ts > to)
                .values(ts=to)
            )
            moved += int(result.rowcount or 0)
        self._account.set("last_ts", to)
        times = list(self._conn.scalars(_APPROVED_TIMES, {"account": self._account.id}))
        self._account.set("trading_days", ftmo.trading_days(times, timezone))
        self._account.set("last_approval_ts", max(times, default=None))
        return moved

    def add_snapshot(self, point: EquityPoint) -> None:
        lowest = self._account.lowest_equity
        if lowest is None or point.equity < lowest:
            self._account.set("lowest_equity", point.equity)
        self._conn.execute(
            _ADD_SNAPSHOT,
            {
                "account_id": self._account.id,
                "ts": point.ts,
                "balance": point.balance,
                "equity": point.equity,
            },
        )

    def add_decision(self, request: CheckRequest, ts: datetime, decision: Decision) -> None:
        """An approval also updates the account's trading days: the decision's state already
        counts it (made from this row's count, under this row's lock, so two replicas cannot
        both count the same day). The row is written with the account row by `save` (or by
        the next `recent`, which must see it), so a check's writes are one statement."""
        if decision.approved:
            self._account.set("trading_days", decision.state.trading_days)
            self._account.set("last_approval_ts", ts)
        self._decisions.append(
            {
                "account_id": self._account.id,
                "ts": ts,
                **request.order_fields(),
                "approved": decision.approved,
                "size": decision.size,
                "reasons": [str(r) for r in decision.reasons],
                "created_at": utcnow(),
            }
        )

    def recent(self, points_start: datetime, approvals_start: datetime) -> Recent:
        """The equity points from `points_start` on (and the newest one before it) and the
        approvals from `approvals_start` on, in one statement."""
        self._write_decisions()
        rows = self._conn.execute(
            _RECENT,
            {
                "account": self._account.id,
                "points_start": points_start,
                "approvals_start": approvals_start,
            },
        )
        earlier: EquityPoint | None = None
        points: list[EquityPoint] = []
        approvals: list[ApprovedSignal] = []
        for kind, ts, _, balance, equity, symbol, tier, size, entry, stop in rows:
            if kind == _APPROVALS:
                risk = float(size) * abs(entry - stop)
                approvals.append(ApprovedSignal(ts, symbol, Tier(tier), risk))
            elif kind == _POINTS:
                points.append(EquityPoint(ts, float(balance), float(equity)))
            else:
                earlier = EquityPoint(ts, float(balance), float(equity))
        return Recent(earlier, points, approvals)

    def save(self) -> None:
        """Write the decisions and the changed account row back: a check's in one statement
        on PostgreSQL (`_SAVE_CHECK`), elsewhere in one insert and one update."""
        if not self._account.changed:
            self._write_decisions()
            return
        self._account.changed = False
        if len(self._decisions) == 1 and self._conn.dialect.name == "postgresql":
            decision = {f"decision_{k}": v for k, v in self._decisions.pop().items()}
            self._conn.execute(_SAVE_CHECK, {**decision, **self._account.summary()})
            return
        self._write_decisions()
        self._conn.execute(_SAVE_ACCOUNT, self._account.summary())

    def _write_decisions(self) -> None:
        if self._decisions:
            self._conn.execute(_ADD_DECISION, self._decisions)
            self._decisions = []


@contextmanager
def locked_account(
    engine: Engine, account_id: str, opening: EquityPoint | None = None
) -> Iterator[AccountRepo]:
    """One transaction holding the account's lock; commits on success, rolls back on error.

    With `opening`, a missing account is created with that balance as its initial balance
    (the first `/v1/equity`); without it, a missing account is an `UnknownAccountError`.
    """
    with engine.begin() as conn:
        account = _lock(conn, account_id)
        if account is None and opening is not None:
            _insert_if_missing(conn, account_id, opening)
            account = _lock(conn, account_id)
        if account is None:
            raise UnknownAccountError(f"unknown account {account_id!r}: post /v1/equity first")
        repo = AccountRepo(conn, account)
        yield repo
        repo.save()


@contextmanager
def locked_accounts(engine: Engine, account_ids: Iterable[str]) -> Iterator[dict[str, AccountRepo]]:
    """One transaction holding the locks of several existing accounts (a batch of checks).

    Locks are taken in account-id order, so two callers locking overlapping sets wait for
    each other instead of deadlocking. Any unknown account is an `UnknownAccountError` and
    nothing is kept.
    """
    with engine.begin() as conn:
        repos: dict[str, AccountRepo] = {}
        for account_id in sorted(set(account_ids)):
            account = _lock(conn, account_id)
            if account is None:
                raise UnknownAccountError(f"unknown account {account_id!r}: post /v1/equity first")
            repos[account_id] = AccountRepo(conn, account)
        yield repos
        for repo in repos.values():
            repo.save()


def _lock(conn: Connection, account_id: str) -> _AccountRow | None:
    row = conn.execute(_LOCK, {"account": account_id}).first()
    return None if row is None else _AccountRow(account_id, *row)


def _insert_if_missing(conn: Connection, account_id: str, opening: EquityPoint) -> None:
    """Two first reports at once must create one account: the loser's insert is a no-op and
    it then waits on the winner's row lock."""
    values = {
        "id": account_id,
        "initial_balance": opening.balance,
        "created_at": utcnow(),
        "last_ts": opening.ts,
    }
    if conn.dialect.name == "postgresql":
        conn.execute(postgresql.insert(_accounts).values(values).on_conflict_do_nothing())
    else:
        conn.execute(sqlite.insert(_accounts).values(values).on_conflict_do_nothing())
