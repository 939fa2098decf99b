"""Summary statistics of one replay, from its trades and its per-bar equity curve.

Sharpe: mean ÷ standard deviation of the per-bar simple returns of the marked-to-market equity
curve, annualised by √(bars per year) where bars per year is *measured* from the data (bar
count ÷ years spanned). Hourly crypto gives ≈ 8766, hourly FX with closed weekends ≈ 6200, so
the annualisation fits the market's actual trading hours instead of assuming 24/7. Risk-free
rate 0. Max drawdown is the largest peak-to-trough fall of that curve, as a fraction of the peak.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from crpbot.backtest.jit import compiled, inlined

_SECONDS_PER_YEAR = 365.25 * 86_400


@dataclass(frozen=True)
class Metrics:
    """Money in account currency; rates and drawdown as fractions."""

    n_trades: int
    win_rate: float
    """Target exits over target and stop exits (`crpbot.skill.expectancy`); other closes
    decide nothing."""
    profit_factor: float
    expectancy: float
    expectancy_r: float
    total_return: float
    final_equity: float
    max_drawdown: float
    sharpe: float
    bars_per_year: float
    total_fees: float


def compute_metrics(trades: pd.DataFrame, equity: pd.Series, initial_balance: float) -> Metrics:
    """NaN where a figure is undefined (no trades, no losses for the profit factor, flat curve)."""
    pnl = trades["pnl"].to_numpy(dtype=np.float64)
    wins, losses = pnl[pnl > 0].sum(), -pnl[pnl < 0].sum()
    values = equity.to_numpy(dtype=np.float64)
    final = float(values[-1]) if values.size else initial_balance
    drawdown, mean, spread = curve_stats(values, initial_balance)
    bars_per_year = bars_per_year_of(pd.DatetimeIndex(equity.index))
    sharpe = mean / spread * np.sqrt(bars_per_year) if spread > 0 else float("nan")
    return Metrics(
        n_trades=int(pnl.size),
        win_rate=_win_rate(trades),
        profit_factor=float(wins / losses) if losses > 0 else float("nan"),
        expectancy=float(pnl.mean()) if pnl.size else float("nan"),
        expectancy_r=_expectancy_r(trades),
        total_return=final / initial_balance - 1.0,
        final_equity=final,
        max_drawdown=drawdown,
        sharpe=float(sharpe),
        bars_per_year=bars_per_year,
        total_fees=float(trades["fees"].sum()),
    )


def _win_rate(trades: pd.DataFrame) -> float:
    """Compared as stored (a categorical from the replay): turning 10k reasons into strings
    first cost more than the rest of the metrics together."""
    reasons = trades["exit_reason"]
    won, lost = int((reasons == "target").sum()), int((reasons == "stop").sum())
    return won / (won + lost) if won + lost else float("nan")


def _expectancy_r(trades: pd.DataFrame) -> float:
    """Mean P/L in units of the initial risk (entry-to-stop move times size)."""
    if trades.empty:
        return float("nan")
    risk = (trades["entry_price"] - trades["stop"]).abs() * trades["size"]
    return float((trades["pnl"] / risk).mean())


@inlined
def curve_step(
    peak: float,
    drawdown: float,
    total: float,
    squares: float,
    prev: float,
    value: float,
    first: bool,
) -> tuple[float, float, float, float]:
    """One point of `curve_stats`' pass: (peak, drawdown, sum and sum of squares of returns)
    after `value`, whose predecessor is `prev` (unused for the first point). Shared with the
    sweep, which folds its points as the loop makes them instead of keeping the curve."""
    peak = max(peak, value)
    drawdown = max(drawdown, 1.0 - value / peak)
    if not first:
        r = value / prev - 1.0
        total += r
        squares += r * r
    return peak, drawdown, total, squares


@inlined
def curve_summary(
    points: int, drawdown: float, total: float, squares: float
) -> tuple[float, float, float]:
    """(max drawdown, mean and sample std of per-bar returns) of a curve of `points` points."""
    count = points - 1
    if count < 2:
        return drawdown, np.nan, np.nan
    mean = total / count
    return drawdown, mean, np.sqrt(max(squares - count * mean * mean, 0.0) / (count - 1))


@compiled
def curve_stats(values: npt.NDArray[np.float64], initial: float) -> tuple[float, float, float]:
    """(max drawdown, mean and sample std of per-bar returns) in one pass over the curve."""
    peak, drawdown, total, squares = initial, 0.0, 0.0, 0.0
    for i in range(values.shape[0]):
        prev = values[i - 1] if i > 0 else 0.0
        peak, drawdown, total, squares = curve_step(
            peak, drawdown, total, squares, prev, values[i], i == 0
        )
    return curve_summary(values.shape[0], drawdown, total, squares)


def bars_per_year_of(index: pd.DatetimeIndex) -> float:
    if len(index) < 2:
        return float("nan")
    span = (index[-1] - index[0]).total_seconds()
    return (len(index) - 1) / span * _SECONDS_PER_YEAR if span > 0 else float("nan")
