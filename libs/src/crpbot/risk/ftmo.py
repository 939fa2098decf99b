"""FTMO account rules: daily and total loss floors, profit target, minimum trading days.

The trading day starts at midnight Europe/Prague (FTMO's server time), so its UTC offset
moves with daylight saving time: the clock is always the event time passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from crpbot.risk.account import AccountState, EquityPoint
from crpbot.risk.decision import Reason, RuleDecision
from crpbot.risk.limits import RiskLimits


class FtmoStatus(StrEnum):
    ACTIVE = "active"
    HALTED_DAILY = "halted_daily"
    BREACHED_TOTAL = "breached_total"
    TARGET_REACHED = "target_reached"


class FloorHeadroom:
    """Equity's room above the daily and total floors (negative: breached), for the records
    that carry all three; a mixin, so each record keeps its own field order."""

    __slots__ = ()
    equity: float
    daily_floor: float
    total_floor: float

    @property
    def daily_headroom(self) -> float:
        return self.equity - self.daily_floor

    @property
    def total_headroom(self) -> float:
        return self.equity - self.total_floor


def previous_midnight(ts: datetime, timezone: str = "Europe/Prague") -> datetime:
    """The latest local midnight at or before `ts`, as an aware datetime in `ts`'s zone."""
    if ts.tzinfo is None:
        raise ValueError("event time must be timezone-aware")
    zone = ZoneInfo(timezone)
    local_day = ts.astimezone(zone).date()
    return datetime.combine(local_day, time(0), tzinfo=zone).astimezone(ts.tzinfo)


def trading_days(approvals: Iterable[datetime], timezone: str = "Europe/Prague") -> int:
    """Distinct local calendar days with at least one approved signal (the dry-run 'trade').

    This reads the whole history, so the guard keeps a running count on the account instead
    (each decision's state counts its own approval); this is the oracle that count must
    equal, and what a recount after a rewound clock uses.
    """
    zone = ZoneInfo(timezone)
    return len({ts.astimezone(zone).date() for ts in approvals})


def account_state(
    initial_balance: float,
    day_open: EquityPoint | None,
    today: Sequence[EquityPoint],
    lowest_equity_before: float | None,
    days_traded: int,
    traded_today: bool = False,
) -> AccountState:
    """Summarise equity points around the day start.

    `day_open` is the newest point before the previous midnight (None: the account started
    today, so the day starts at the initial balance); `today` the points since, oldest first;
    `lowest_equity_before` the lowest equity reported before the day started. A running
    minimum that also covers today's points is just as good (only its minimum with today's
    is used), which is what lets the guard keep one on the account instead of scanning every
    report the account ever made.
    """
    start_balance = day_open.balance if day_open is not None else initial_balance
    latest = today[-1] if today else day_open
    balance = latest.balance if latest is not None else initial_balance
    equity = latest.equity if latest is not None else initial_balance
    lowest_today = min((p.equity for p in today), default=equity)
    earlier = [v for v in (lowest_equity_before, initial_balance) if v is not None]
    return AccountState(
        initial_balance=initial_balance,
        balance=balance,
        equity=equity,
        day_start_balance=start_balance,
        lowest_equity_today=lowest_today,
        lowest_equity_ever=min([lowest_today, *earlier]),
        trading_days=days_traded,
        traded_today=traded_today,
    )


def daily_floor(state: AccountState, limits: RiskLimits) -> float:
    """Balance at the day start minus the daily loss allowance (a share of the INITIAL balance)."""
    return state.day_start_balance - state.initial_balance * limits.daily_loss_pct / 100.0


def total_floor(state: AccountState, limits: RiskLimits) -> float:
    return state.initial_balance - state.initial_balance * limits.total_loss_pct / 100.0


def target_balance(state: AccountState, limits: RiskLimits) -> float:
    return state.initial_balance + state.initial_balance * limits.profit_target_pct / 100.0


def status(state: AccountState, limits: RiskLimits) -> FtmoStatus:
    """A breach is sticky: equity that dipped below a floor fails the day (or the account)
    even if it has recovered since."""
    if state.lowest_equity_ever < total_floor(state, limits):
        return FtmoStatus.BREACHED_TOTAL
    if state.lowest_equity_today < daily_floor(state, limits):
        return FtmoStatus.HALTED_DAILY
    target_met = state.balance >= target_balance(state, limits)
    if target_met and state.trading_days >= limits.min_trading_days:
        return FtmoStatus.TARGET_REACHED
    return FtmoStatus.ACTIVE


def account_rule(state: AccountState, limits: RiskLimits) -> RuleDecision:
    """No new signal on a failed day, a failed account, or (by default) a passed phase."""
    current = status(state, limits)
    if current is FtmoStatus.BREACHED_TOTAL:
        return RuleDecision.rejected(Reason.TOTAL_LOSS_BREACHED, "equity fell below total floor")
    if current is FtmoStatus.HALTED_DAILY:
        return RuleDecision.rejected(Reason.DAILY_LOSS_HALTED, "equity fell below daily floor")
    if current is FtmoStatus.TARGET_REACHED and limits.stop_at_target:
        return RuleDecision.rejected(Reason.TARGET_REACHED, "profit target and days reached")
    return RuleDecision.passed()
