"""The compiled sweep: every parameter set replayed over the same bars, sets spread over cores.

Each set runs the very loop a single backtest runs (`loop.simulate`), on its own slice of the
signals (those at or above its confidence threshold) with its own stops and targets, so a
set's figures are a single run's by construction. Only a few numbers per set leave the
kernel: the equity curve and the per-day record of 100 sets over 1M bars would not fit, and
the curve is not even kept per set (`keep_curve=False`: its figures are folded as it goes).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from crpbot.backtest.account import T_REASON, Floats, Ints
from crpbot.backtest.fills import EXIT_STOP, EXIT_TARGET
from crpbot.backtest.ftmo import BREACH_NONE, D_BREACH, D_CODE, D_END_BALANCE, D_OPENED
from crpbot.backtest.jit import compiled, parallel
from crpbot.backtest.loop import C_DRAWDOWN, C_PREV, C_SQUARES, C_TOTAL, simulate
from crpbot.backtest.metrics import curve_summary

(
    O_SIGNALS,
    O_TRADES,
    O_WON,
    O_LOST,
    O_FINAL,
    O_DRAWDOWN,
    O_MEAN,
    O_SPREAD,
    O_FTMO,
    O_FTMO_DAY,
    O_TRADING_DAYS,
) = range(11)
OUT_FIELDS = 11
FTMO_TARGET = -1.0
"""`O_FTMO` holds the first decisive day's breach code, this for a reached target, 0 for none."""


@compiled
def ftmo_outcome(days: Floats, target_balance: float, min_days: int) -> tuple[float, float, int]:
    """(outcome code, that day's date code, trading days), as `ftmo.day_table` + `verdict`
    read them: the first day with a breach, or with the target balance closed after enough
    trading days, decides."""
    trading, outcome, when, total = 0, 0.0, np.nan, 0
    for d in range(days.shape[0]):
        if days[d, D_OPENED] > 0:
            total += 1
        if outcome != 0.0:
            continue
        trading = total
        if days[d, D_BREACH] != BREACH_NONE:
            outcome, when = days[d, D_BREACH], days[d, D_CODE]
        elif days[d, D_END_BALANCE] >= target_balance and trading >= min_days:
            outcome, when = FTMO_TARGET, days[d, D_CODE]
    return outcome, when, total


@parallel
def sweep_kernel(
    prices: tuple[Floats, Floats, Floats, Floats],
    ts: Ints,
    zone: tuple[Ints, Ints],
    max_days: int,
    signals: tuple[Ints, Ints, Floats, Floats, Floats],
    grid: tuple[Floats, Floats, Floats],
    params: Floats,
    goal: tuple[float, int],
) -> Floats:
    """`signals` = (bar, symbol, side, expiry bar, confidence), sorted by bar; `grid` = (stops
    and targets, each sets × signals, and one threshold per set); `goal` = (FTMO target
    balance, minimum trading days). One row of `OUT_FIELDS` per set."""
    bar, sym, side, expiry, confidence = signals
    stops, targets, thresholds = grid
    sets, n = thresholds.shape[0], ts.shape[0]
    out = np.empty((sets, OUT_FIELDS))
    for p in nb.prange(sets):
        keep = confidence >= thresholds[p]
        sig = np.empty((int(keep.sum()), 4))
        sig[:, 0] = side[keep]
        sig[:, 1] = stops[p][keep]
        sig[:, 2] = targets[p][keep]
        sig[:, 3] = expiry[keep]
        trades, _, _, days, curve = simulate(
            prices, ts, zone, max_days, (bar[keep], sym[keep], sig), params, False
        )
        row = out[p]
        row[O_SIGNALS] = sig.shape[0]
        row[O_TRADES] = trades.shape[0]
        row[O_WON] = np.count_nonzero(trades[:, T_REASON] == EXIT_TARGET)
        row[O_LOST] = np.count_nonzero(trades[:, T_REASON] == EXIT_STOP)
        row[O_FINAL] = curve[C_PREV] if n > 0 else params[0]
        row[O_DRAWDOWN], row[O_MEAN], row[O_SPREAD] = curve_summary(
            n, curve[C_DRAWDOWN], curve[C_TOTAL], curve[C_SQUARES]
        )
        row[O_FTMO], row[O_FTMO_DAY], row[O_TRADING_DAYS] = ftmo_outcome(days, *goal)
    return out
