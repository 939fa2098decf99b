"""Expectancy in R after costs, the one win rate, and the win rate a reward-to-risk needs.

R is the trade's result in units of its initial risk, |entry − stop|. Costs (fees, spread and
slippage for entering and leaving) are charged in the same unit: a cost of `round_trip` (a
fraction of price) is `round_trip × entry ÷ |entry − stop|` R, so a tight stop pays more R for
the same fee. After costs a target hit is +reward − cost, a stop −1 − cost, an expiry its
marked-to-market R − cost.

**Win rate** (the only quantity called that anywhere in crpbot): the share of DECIDED trades —
those whose target or stop was reached within the horizon — that reached the target first:
won ÷ (won + lost). Expiries are resolved but decided nothing, so they are left out of the win
rate and counted in the expectancy. Defined this way the win rate is on the same scale as the
break-even win rate, (1 + c) ÷ (b + 1) for reward b and cost c in R: the decided trades make
money after costs exactly when the win rate beats it. The expectancy (mean R after costs over
every resolved trade, expiries included) is what says whether a signal is worth anything.

Interval: a Student t interval on the mean R (deterministic, no resampling). Outcomes are
bounded (≈ −1 − c … b − c), so the mean is close to normal at the sample sizes the skill gate
asks for; signals that overlap in time are correlated, which makes any i.i.d. interval somewhat
too narrow — a reason the gate also asks for many trades.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import fmean, stdev
from typing import Literal

Result = Literal["won", "lost", "expired"]
CONFIDENCE = 0.95
INTERVAL_METHOD = "Student t, 95%"


@dataclass(frozen=True, slots=True)
class TradeR:
    """One resolved trade: how it ended, its R after costs, its reward-to-risk and its cost in R.

    `result`: won = target before stop, lost = stop before target, expired = neither within the
    horizon (any other close, such as a loss-limit halt or the end of the data, counts here too).
    """

    result: Result
    r: float
    reward_r: float
    cost_r: float


@dataclass(frozen=True, slots=True)
class Expectancy:
    """Figures of one set of resolved trades (usually one tier). None where undefined: no
    trades, no decided trades for the win rate, fewer than two trades for the interval."""

    n: int
    wins: int
    losses: int
    expired: int
    win_rate: float | None
    mean_r: float | None
    low: float | None
    high: float | None
    reward_r: float | None
    cost_r: float | None
    break_even: float | None

    @property
    def decided(self) -> int:
        return self.wins + self.losses


def cost_in_r(entry: float, stop: float, round_trip: float) -> float:
    """Round-trip cost (a fraction of price) in units of the trade's risk."""
    risk = abs(entry - stop)
    if risk <= 0 or entry <= 0:
        raise ValueError(f"entry {entry} and stop {stop} must be positive and differ")
    if round_trip < 0:
        raise ValueError(f"round-trip cost must not be negative, got {round_trip}")
    return round_trip * entry / risk


def reward_to_risk(entry: float, stop: float, target: float) -> float:
    """|target − entry| ÷ |entry − stop|: 2 ATR over 1.5 ATR gives 4/3."""
    risk = abs(entry - stop)
    if risk <= 0:
        raise ValueError(f"entry {entry} and stop {stop} must differ")
    return abs(target - entry) / risk


def trade_r(
    result: Result, gross_r: float, entry: float, stop: float, target: float, round_trip: float
) -> TradeR:
    """A resolved signal charged its round-trip cost; `gross_r` is its R before costs."""
    cost = cost_in_r(entry, stop, round_trip)
    return TradeR(result, gross_r - cost, reward_to_risk(entry, stop, target), cost)


def break_even_win_rate(reward_r: float, cost_r: float = 0.0) -> float:
    """Win rate at which target-or-stop trades make nothing after costs: p (b − c) =
    (1 − p)(1 + c) gives p = (1 + c) ÷ (b + 1). 2 : 1.5 ATR without costs: 3/7 ≈ 0.4286."""
    if reward_r <= 0:
        raise ValueError(f"reward-to-risk must be positive, got {reward_r}")
    if cost_r < 0:
        raise ValueError(f"cost in R must not be negative, got {cost_r}")
    return (1.0 + cost_r) / (reward_r + 1.0)


def mean_interval(values: Sequence[float]) -> tuple[float, float] | None:
    """Student t 95% interval of the mean; None below two values."""
    from scipy.stats import t as student_t  # ~1 s to import: not in every process start

    if len(values) < 2:
        return None
    mean = fmean(values)
    spread = stdev(values)
    half = (
        float(student_t.ppf(0.5 + CONFIDENCE / 2, len(values) - 1))
        * spread
        / math.sqrt(len(values))
    )
    return mean - half, mean + half


def summarize(trades: Sequence[TradeR]) -> Expectancy:
    """Counts, win rate, mean R after costs with its interval, and the break-even win rate for
    the trades' mean reward-to-risk and mean cost."""
    wins = sum(1 for t in trades if t.result == "won")
    losses = sum(1 for t in trades if t.result == "lost")
    if not trades:
        return Expectancy(0, 0, 0, 0, None, None, None, None, None, None, None)
    values = [t.r for t in trades]
    interval = mean_interval(values)
    reward, cost = fmean(t.reward_r for t in trades), fmean(t.cost_r for t in trades)
    return Expectancy(
        n=len(trades),
        wins=wins,
        losses=losses,
        expired=len(trades) - wins - losses,
        win_rate=wins / (wins + losses) if wins + losses else None,
        mean_r=fmean(values),
        low=interval[0] if interval else None,
        high=interval[1] if interval else None,
        reward_r=reward,
        cost_r=cost,
        break_even=break_even_win_rate(reward, cost) if reward > 0 else None,
    )


def by_tier(trades: Iterable[tuple[str, TradeR]]) -> dict[str, Expectancy]:
    """One summary per tier, in the order the tiers first appear."""
    grouped: dict[str, list[TradeR]] = {}
    for tier, trade in trades:
        grouped.setdefault(tier, []).append(trade)
    return {tier: summarize(members) for tier, members in grouped.items()}


def describe(figures: Expectancy) -> str:
    """One line for people: n, win rate against break-even, expectancy with its interval."""
    if figures.n == 0 or figures.mean_r is None:
        return "no resolved trades"
    win = "n/a" if figures.win_rate is None else f"{figures.win_rate:.1%}"
    need = "n/a" if figures.break_even is None else f"{figures.break_even:.1%}"
    interval = (
        "n/a"
        if figures.low is None or figures.high is None
        else f"[{figures.low:+.2f}, {figures.high:+.2f}]"
    )
    return (
        f"n {figures.n} (won {figures.wins}, lost {figures.losses}, expired {figures.expired}), "
        f"win rate {win} vs break-even {need}, expectancy {figures.mean_r:+.2f} R "
        f"after costs, 95% {interval}"
    )
