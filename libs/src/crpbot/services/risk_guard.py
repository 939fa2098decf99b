"""The risk guard as a service: load the account's recent past, run the pure guard, store the
decision, all inside one transaction that holds the account's lock.

Holding the lock from the read to the write is what makes two scanners calling at once
safe: the second one reads the first one's approval before it decides, so neither rate
limits nor floors can be exceeded by a race. A failure anywhere rolls everything back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from crpbot.clock import utcnow
from crpbot.db.engine import database_reachable
from crpbot.db.risk_repo import (
    AccountRepo,
    StaleEventError,
    UnknownAccountError,
    locked_account,
    locked_accounts,
)
from crpbot.risk import (
    AccountState,
    CheckRequest,
    Decision,
    EquityPoint,
    GuardState,
    History,
    RiskLimits,
    check,
    describe,
)
from crpbot.risk.batch import batch_order, check_in_turn, runs
from crpbot.risk.cooldown import closed_results
from crpbot.risk.ftmo import account_state, previous_midnight

log = logging.getLogger(__name__)

__all__ = [
    "EquityUpdate",
    "FutureEventError",
    "RiskGuardService",
    "StaleEventError",
    "UnknownAccountError",
]


DEFAULT_MAX_CLOCK_SKEW = timedelta(minutes=5)


class FutureEventError(ValueError):
    """The event time is further ahead of the guard's wall clock than the allowed skew.

    Accepting it would make it the account's newest event time, and every honest request
    after it would then be refused as stale: one bad clock would lock the account out.
    """

    def __init__(self, message: str, account: str = "") -> None:
        super().__init__(message)
        self.account = account


@dataclass(frozen=True, slots=True)
class EquityUpdate:
    """A `/v1/equity` report; the first one of an account sets its initial balance."""

    account: str
    balance: float
    equity: float
    ts: datetime


class RiskGuardService:
    """Stateless between calls: everything lives in the database, so a restart loses nothing
    and any number of replicas can serve the same accounts."""

    def __init__(
        self,
        engine: Engine,
        limits: RiskLimits | None = None,
        *,
        clock: Callable[[], datetime] = utcnow,
        max_clock_skew: timedelta = DEFAULT_MAX_CLOCK_SKEW,
    ) -> None:
        """`clock` is the wall clock only event times are checked against (never a rule's
        clock: rules run on event time, so replays of past data decide as live did)."""
        self._engine = engine
        self.limits = limits or RiskLimits()
        self._clock = clock
        self._max_skew = max_clock_skew

    def record_equity(self, update: EquityUpdate) -> GuardState:
        ts = self._event_time(update.account, update.ts)
        point = EquityPoint(ts, update.balance, update.equity)
        with locked_account(self._engine, update.account, opening=point) as repo:
            repo.advance_clock(ts)
            repo.add_snapshot(point)
            state, history = self._load(repo, ts)
        log.info("equity recorded", extra={"account": update.account, "ts": ts.isoformat()})
        return describe(state, history, ts, self.limits)

    def check(self, request: CheckRequest) -> Decision:
        ts = self._event_time(request.account, request.ts)
        with locked_account(self._engine, request.account) as repo:
            repo.advance_clock(ts)
            state, history = self._load(repo, ts)
            decision = check(request, state, history, ts, self.limits)
            repo.add_decision(request, ts, decision)
        log.info(
            "signal checked",
            extra={
                "account": request.account,
                "symbol": request.symbol,
                "approved": decision.approved,
                "reasons": [str(r) for r in decision.reasons],
            },
        )
        return decision

    def check_batch(self, requests: Sequence[CheckRequest]) -> list[Decision]:
        """Decide many checks in one transaction, answers in the order sent.

        They are decided in `crpbot.risk.batch.batch_order` (account, then event time, then
        as sent), each seeing the approvals before it, so the answers equal the same checks
        sent one by one in that order. All or nothing: an event time too far ahead, an
        unknown account or one older than the account's newest event refuses the whole
        batch and stores none of it.
        """
        utc = [replace(r, ts=self._event_time(r.account, r.ts)) for r in requests]
        decided: dict[int, Decision] = {}
        order = batch_order(utc)
        with locked_accounts(self._engine, {r.account for r in utc}) as repos:
            for run in runs(utc, order):
                first = utc[run[0]]
                repo, ts = repos[first.account], first.ts
                repo.advance_clock(ts)
                state, history = self._load(repo, ts)
                asked = [requests[i] for i in run]
                for i, decision in zip(
                    run, check_in_turn(asked, state, history, ts, self.limits), strict=True
                ):
                    repo.add_decision(requests[i], ts, decision)
                    decided[i] = decision
        approved = sum(d.approved for d in decided.values())
        log.info("signals checked", extra={"checks": len(requests), "approved": approved})
        return [decided[i] for i in range(len(requests))]

    def state(self, account: str) -> GuardState:
        """The state at the newest event time seen, so a replay reads what live would."""
        with locked_account(self._engine, account) as repo:
            now = repo.last_ts
            state, history = self._load(repo, now)
        return describe(state, history, now, self.limits)

    def reset_clock(
        self, account: str, to: datetime | None = None
    ) -> tuple[datetime, datetime, int]:
        """Unstick an account whose newest event time lies in the future (see
        `AccountRepo.rewind_clock`); `to` defaults to the wall clock's now. Returns the old
        and new newest event time and how many rows were re-stamped."""
        target = _utc(to) if to is not None else self._clock()
        with locked_account(self._engine, account) as repo:
            before = repo.last_ts
            moved = repo.rewind_clock(target, self.limits.timezone)
        log.warning(
            "account event clock reset",
            extra={
                "account": account,
                "from": before.isoformat(),
                "to": target.isoformat(),
                "rows_restamped": moved,
            },
        )
        return before, target, moved

    def ready(self) -> bool:
        return database_reachable(self._engine)

    def _load(self, repo: AccountRepo, now: datetime) -> tuple[AccountState, History]:
        """The account's recent past: every read is an index seek or a range bounded by the
        day start and the rule windows, and the whole history comes from the account row's
        running summary, so a check costs the same after years of trading as on day one.
        The day's opening point is the newest one before the day start: the last of `points`
        before it, else the one before them all (`since` is never after the day start)."""
        limits = self.limits
        day_start = previous_midnight(now, limits.timezone)
        since = min(day_start, now - limits.cooldown_lookback)
        window = max(limits.rate_window, limits.open_signal_lifetime)
        recent = repo.recent(since, now - window)
        earlier, points = recent.earlier, recent.points
        before_today = [p for p in points if p.ts < day_start]
        day_open = before_today[-1] if before_today else earlier
        today = points[len(before_today) :]
        last_approval = repo.last_approval_ts
        state = account_state(
            repo.initial_balance,
            day_open,
            today,
            repo.lowest_equity,
            repo.trading_days,
            last_approval is not None and last_approval >= day_start,
        )
        streak_points = ([earlier] if earlier is not None else []) + points
        history = History(recent.approvals, closed_results(streak_points))
        return state, history

    def _event_time(self, account: str, ts: datetime) -> datetime:
        utc = _utc(ts)
        limit = self._clock() + self._max_skew
        if utc > limit:
            raise FutureEventError(
                f"ts {utc.isoformat()} is more than {self._max_skew.total_seconds():g} s ahead"
                f" of the guard's clock ({(limit - self._max_skew).isoformat()})",
                account,
            )
        return utc


def _utc(ts: datetime) -> datetime:
    if ts.tzinfo is None:
        raise ValueError("event time must carry a timezone (UTC or an offset)")
    return ts.astimezone(UTC)
