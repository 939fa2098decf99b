"""FTMO challenge rules and the verdict drawn from the per-day account record.

The rules (FTMO's published challenge rules):
- daily floor = balance at the previous midnight Europe/Prague − 5% of the INITIAL balance;
- total floor = 90% of the initial balance;
- equity (balance, which already carries every fee paid, plus open P/L) must stay above both;
- profit target 10% (challenge) or 5% (verification) of the initial balance, counted on the
  CLOSED balance: open profit can still vanish, so FTMO does not count it;
- at least 4 trading days (Prague days on which a position was opened).

How the engine applies them, bar by bar (in `loop.py`): BEFORE any stop, target or expiry
of the bar is booked, equity is taken with every open position at the worst price it can have
seen in the bar (low for a long, high for a short; its stop fill when the bar reaches its
stop), a deliberately pessimistic stand-in for FTMO's tick-by-tick equity: one bar cannot say
whether its high or its low came first, so a bar that reaches a target and breaches a floor
is a breach, not a win. If that equity is below a floor, every position is closed at that
worst price: the daily floor halts new trades until the next Prague midnight, the total floor
halts them for good. The check runs again after the bar's exits, whose fees and slippage
count too. The verdict is decided by the
first decisive day: a breach fails the account; a day that ends with its closed balance at or
above the target after the minimum number of trading days passes it. Later days are still simulated
and reported, but do not change the verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

Phase = Literal["challenge", "verification"]
PROFIT_TARGETS: dict[str, float] = {"challenge": 0.10, "verification": 0.05}

BREACH_NONE = 0
BREACH_DAILY = 1
BREACH_TOTAL = 2

# Columns of the per-day record the compiled loop fills (one row per Prague day with bars).
D_CODE, D_BASE, D_FLOOR, D_MIN_EQUITY, D_END_BALANCE, D_END_EQUITY, D_OPENED, D_BREACH = range(8)
DAY_FIELDS = 8
# Per-day status labels, indexed by breach code (0 none, 1 daily, 2 total), then the target.
DAY_STATUSES = ("ok", "daily_loss_breached", "total_loss_breached", "target_reached")
_TARGET_CODE = 3
_NS_PER_DAY = 86_400 * 10**9


@dataclass(frozen=True)
class FtmoRules:
    """One account's rule set; fractions are of the initial balance."""

    initial_balance: float = 100_000.0
    phase: Phase = "challenge"
    max_daily_loss: float = 0.05
    max_total_loss: float = 0.10
    min_trading_days: int = 4
    timezone: str = "Europe/Prague"

    @property
    def profit_target(self) -> float:
        return PROFIT_TARGETS[self.phase]

    @property
    def total_floor(self) -> float:
        return self.initial_balance * (1.0 - self.max_total_loss)

    @property
    def target_balance(self) -> float:
        return self.initial_balance * (1.0 + self.profit_target)


@dataclass(frozen=True)
class FtmoVerdict:
    """Overall outcome and the per-day table it was read from.

    `status` is `passed`, `failed` or `not_passed` (no breach, target or days not reached).
    """

    status: Literal["passed", "failed", "not_passed"]
    reasons: list[str]
    trading_days: int
    decided_on: pd.Timestamp | None
    days: pd.DataFrame = field(repr=False)

    @property
    def passed(self) -> bool:
        return self.status == "passed"


def day_table(days: npt.NDArray[np.float64], rules: FtmoRules) -> pd.DataFrame:
    """The compiled loop's per-day record as a DataFrame indexed by Prague calendar date.

    `start_balance` is the midnight balance the daily floor hangs from; `min_equity` is the
    lowest worst-price equity seen that day (after a halt: the balance left); `trading_days`
    counts days with an opened position so far. Days without bars (weekends for FX) have no
    row: nothing can happen on them, and their midnight balance is the next day's anyway.
    """
    dates = (days[:, D_CODE].astype(np.int64) * _NS_PER_DAY).astype("datetime64[ns]")
    opened = days[:, D_OPENED].astype(np.int64)
    breach = days[:, D_BREACH].astype(np.int64)
    trading = np.cumsum(opened > 0)
    reached = (days[:, D_END_BALANCE] >= rules.target_balance) & (trading >= rules.min_trading_days)
    codes = np.where(breach == BREACH_NONE, np.where(reached, _TARGET_CODE, 0), breach)
    status = pd.Categorical.from_codes(codes, categories=pd.Index(DAY_STATUSES))
    return pd.DataFrame(
        {
            "start_balance": days[:, D_BASE],
            "daily_floor": days[:, D_FLOOR],
            "total_floor": rules.total_floor,
            "min_equity": days[:, D_MIN_EQUITY],
            "end_balance": days[:, D_END_BALANCE],
            "end_equity": days[:, D_END_EQUITY],
            "trades_opened": opened,
            "trading_days": trading,
            "status": status,
        },
        index=pd.DatetimeIndex(dates, name="date"),
    )


def verdict(days: pd.DataFrame, rules: FtmoRules) -> FtmoVerdict:
    """Read the first decisive day off the per-day table and explain the outcome."""
    trading_days = int(days["trading_days"].iloc[-1]) if len(days) else 0
    decisive = np.flatnonzero(days["status"].cat.codes.to_numpy() != 0)
    if decisive.size == 0:
        return FtmoVerdict("not_passed", _shortfall(days, rules), trading_days, None, days)
    row = days.iloc[int(decisive[0])]
    when = pd.Timestamp(days.index[int(decisive[0])])
    day = when.date().isoformat()
    if row["status"] == "target_reached":
        gain = row["end_balance"] / rules.initial_balance - 1.0
        reason = (
            f"profit target {rules.profit_target:.0%} reached on {day}: closed balance "
            f"{row['end_balance']:.2f} (+{gain:.2%}) after {int(row['trading_days'])} trading days"
        )
        return FtmoVerdict("passed", [reason], trading_days, when, days)
    if row["status"] == "total_loss_breached":
        reason = (
            f"max total loss breached on {day}: equity {row['min_equity']:.2f} "
            f"below the floor {rules.total_floor:.2f} ({1 - rules.max_total_loss:.0%} of initial)"
        )
    else:
        reason = (
            f"max daily loss breached on {day}: equity {row['min_equity']:.2f} below the daily "
            f"floor {row['daily_floor']:.2f} (midnight balance {row['start_balance']:.2f} "
            f"− {rules.max_daily_loss:.0%} of initial)"
        )
    return FtmoVerdict("failed", [reason], trading_days, when, days)


def _shortfall(days: pd.DataFrame, rules: FtmoRules) -> list[str]:
    reasons = []
    final = float(days["end_balance"].iloc[-1]) if len(days) else rules.initial_balance
    if final < rules.target_balance:
        gain = final / rules.initial_balance - 1.0
        reasons.append(f"profit target {rules.profit_target:.0%} not reached: ended at {gain:+.2%}")
    trading = int(days["trading_days"].iloc[-1]) if len(days) else 0
    if trading < rules.min_trading_days:
        reasons.append(f"only {trading} trading day(s); at least {rules.min_trading_days} needed")
    if not reasons:
        reasons.append("target and trading days were never met on the same day-end")
    return reasons
