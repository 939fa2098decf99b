"""The risk guard as a service: load the account's recent past, run the pure guard, store the
decision, all inside one transaction that holds the account's lock.

Holding the lock from the read to the write is what makes two scanners calling at once
safe: the second one reads the first one's approval before it decides, so neither rate
limits nor floors can be exceeded by a race. A failure anywhere rolls everything back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine

from crpbot.db.risk_repo import AccountRepo, StaleEventError, UnknownAccountError, locked_account
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
from crpbot.risk.cooldown import closed_results
from crpbot.risk.ftmo import account_state, previous_midnight, trading_days

log = logging.getLogger(__name__)

__all__ = [
    "EquityUpdate",
    "RiskGuardService",
    "StaleEventError",
    "UnknownAccountError",
]


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

    def __init__(self, engine: Engine, limits: RiskLimits | None = None) -> None:
        self._engine = engine
        self.limits = limits or RiskLimits()

    def record_equity(self, update: EquityUpdate) -> GuardState:
        ts = _utc(update.ts)
        point = EquityPoint(ts, update.balance, update.equity)
        with locked_account(self._engine, update.account, opening=point) as repo:
            repo.advance_clock(ts)
            repo.add_snapshot(point)
            state, history = self._load(repo, ts)
        log.info("equity recorded", extra={"account": update.account, "ts": ts.isoformat()})
        return describe(state, history, ts, self.limits)

    def check(self, request: CheckRequest) -> Decision:
        ts = _utc(request.ts)
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

    def state(self, account: str) -> GuardState:
        """The state at the newest event time seen, so a replay reads what live would."""
        with locked_account(self._engine, account) as repo:
            now = repo.last_ts
            state, history = self._load(repo, now)
        return describe(state, history, now, self.limits)

    def ready(self) -> bool:
        return AccountRepo.reachable(self._engine)

    def _load(self, repo: AccountRepo, now: datetime) -> tuple[AccountState, History]:
        limits = self.limits
        day_start = previous_midnight(now, limits.timezone)
        since = min(day_start, now - limits.cooldown_lookback)
        points = repo.points_since(since)
        day_open = repo.last_point_before(day_start)
        today = [p for p in points if p.ts >= day_start]
        approvals = repo.approval_times()
        state = account_state(
            repo.initial_balance,
            day_open,
            today,
            repo.lowest_equity_before(day_start),
            trading_days(approvals, limits.timezone),
            any(t >= day_start for t in approvals),
        )
        window = max(limits.rate_window, limits.open_signal_lifetime)
        earlier = repo.last_point_before(since)
        streak_points = ([earlier] if earlier is not None else []) + points
        history = History(repo.approvals_since(now - window), closed_results(streak_points))
        return state, history


def _utc(ts: datetime) -> datetime:
    if ts.tzinfo is None:
        raise ValueError("event time must carry a timezone (UTC or an offset)")
    return ts.astimezone(UTC)
