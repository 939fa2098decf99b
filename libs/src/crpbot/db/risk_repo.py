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
from datetime import datetime

from sqlalchemy import Engine, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from crpbot.clock import utcnow
from crpbot.db.models import Account, AccountSnapshot, RiskDecision
from crpbot.risk import ApprovedSignal, CheckRequest, Decision, EquityPoint, Tier, ftmo


class UnknownAccountError(LookupError):
    """No `/v1/equity` has been recorded for this account yet."""


class StaleEventError(ValueError):
    """The event is older than the newest one already seen for the account."""

    def __init__(self, message: str, account: str = "") -> None:
        super().__init__(message)
        self.account = account


class AccountRepo:
    """Reads and writes for one account inside the caller's locked transaction."""

    def __init__(self, session: Session, account: Account) -> None:
        self._session = session
        self._account = account

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
        self._account.last_ts = ts

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
        for model in (AccountSnapshot, RiskDecision):
            result = self._session.execute(
                update(model)
                .where(model.account_id == self._account.id, model.ts > to)
                .values(ts=to)
                .execution_options(synchronize_session=False)
            )
            moved += int(getattr(result, "rowcount", 0) or 0)
        self._account.last_ts = to
        self._recount_trading_days(timezone)
        self._session.flush()
        return moved

    def _recount_trading_days(self, timezone: str) -> None:
        times = list(
            self._session.scalars(
                select(RiskDecision.ts).where(
                    RiskDecision.account_id == self._account.id, RiskDecision.approved.is_(True)
                )
            )
        )
        self._account.trading_days = ftmo.trading_days(times, timezone)
        self._account.last_approval_ts = max(times, default=None)

    def add_snapshot(self, point: EquityPoint) -> None:
        lowest = self._account.lowest_equity
        if lowest is None or point.equity < lowest:
            self._account.lowest_equity = point.equity
        self._session.add(
            AccountSnapshot(
                account_id=self._account.id,
                ts=point.ts,
                balance=point.balance,
                equity=point.equity,
            )
        )
        self._session.flush()

    def add_decision(self, request: CheckRequest, ts: datetime, decision: Decision) -> None:
        """An approval also updates the account's trading days: the decision's state already
        counts it (made from this row's count, under this row's lock, so two replicas cannot
        both count the same day)."""
        if decision.approved:
            self._account.trading_days = decision.state.trading_days
            self._account.last_approval_ts = ts
        self._session.add(
            RiskDecision(
                account_id=self._account.id,
                ts=ts,
                symbol=request.symbol,
                side=str(request.side),
                entry=request.entry,
                stop=request.stop,
                confidence=request.confidence,
                tier=str(request.tier),
                approved=decision.approved,
                size=decision.size,
                reasons=[str(r) for r in decision.reasons],
                created_at=utcnow(),
            )
        )
        self._session.flush()

    def points_since(self, start: datetime) -> list[EquityPoint]:
        rows = self._session.execute(
            select(AccountSnapshot.ts, AccountSnapshot.balance, AccountSnapshot.equity)
            .where(AccountSnapshot.account_id == self._account.id, AccountSnapshot.ts >= start)
            .order_by(AccountSnapshot.ts, AccountSnapshot.id)
        )
        return [EquityPoint(ts, float(b), float(e)) for ts, b, e in rows]

    def last_point_before(self, start: datetime) -> EquityPoint | None:
        row = self._session.execute(
            select(AccountSnapshot.ts, AccountSnapshot.balance, AccountSnapshot.equity)
            .where(AccountSnapshot.account_id == self._account.id, AccountSnapshot.ts < start)
            .order_by(AccountSnapshot.ts.desc(), AccountSnapshot.id.desc())
            .limit(1)
        ).first()
        return None if row is None else EquityPoint(row[0], float(row[1]), float(row[2]))

    def approvals_since(self, start: datetime) -> list[ApprovedSignal]:
        rows = self._session.execute(
            select(
                RiskDecision.ts,
                RiskDecision.symbol,
                RiskDecision.tier,
                RiskDecision.size,
                RiskDecision.entry,
                RiskDecision.stop,
            ).where(
                RiskDecision.account_id == self._account.id,
                RiskDecision.approved.is_(True),
                RiskDecision.ts >= start,
            )
        )
        return [
            ApprovedSignal(ts, symbol, Tier(tier), float(size) * abs(entry - stop))
            for ts, symbol, tier, size, entry, stop in rows
        ]

    @staticmethod
    def reachable(engine: Engine) -> bool:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True


@contextmanager
def locked_account(
    engine: Engine, account_id: str, opening: EquityPoint | None = None
) -> Iterator[AccountRepo]:
    """One transaction holding the account's lock; commits on success, rolls back on error.

    With `opening`, a missing account is created with that balance as its initial balance
    (the first `/v1/equity`); without it, a missing account is an `UnknownAccountError`.
    """
    with Session(engine, expire_on_commit=False) as session:
        account = _lock(session, account_id)
        if account is None and opening is not None:
            _insert_if_missing(session, account_id, opening)
            account = _lock(session, account_id)
        if account is None:
            raise UnknownAccountError(f"unknown account {account_id!r}: post /v1/equity first")
        yield AccountRepo(session, account)
        session.commit()


@contextmanager
def locked_accounts(engine: Engine, account_ids: Iterable[str]) -> Iterator[dict[str, AccountRepo]]:
    """One transaction holding the locks of several existing accounts (a batch of checks).

    Locks are taken in account-id order, so two callers locking overlapping sets wait for
    each other instead of deadlocking. Any unknown account is an `UnknownAccountError` and
    nothing is kept.
    """
    with Session(engine, expire_on_commit=False) as session:
        repos: dict[str, AccountRepo] = {}
        for account_id in sorted(set(account_ids)):
            account = _lock(session, account_id)
            if account is None:
                raise UnknownAccountError(f"unknown account {account_id!r}: post /v1/equity first")
            repos[account_id] = AccountRepo(session, account)
        yield repos
        session.commit()


def _lock(session: Session, account_id: str) -> Account | None:
    return session.scalar(select(Account).where(Account.id == account_id).with_for_update())


def _insert_if_missing(session: Session, account_id: str, opening: EquityPoint) -> None:
    """Two first reports at once must create one account: the loser's insert is a no-op and
    it then waits on the winner's row lock."""
    values = {
        "id": account_id,
        "initial_balance": opening.balance,
        "created_at": utcnow(),
        "last_ts": opening.ts,
    }
    if session.get_bind().dialect.name == "postgresql":
        session.execute(postgresql.insert(Account).values(values).on_conflict_do_nothing())
    else:
        session.execute(sqlite.insert(Account).values(values).on_conflict_do_nothing())
