"""Backtest sweeps: many exit and threshold settings replayed over the same bars at once.

The input is a *basis* signal table: the usual columns plus `confidence` (optional) and `atr`
(optional; else TA-Lib ATR(14) of the candles at the signal's bar). A parameter set turns it
into an ordinary signal table (`signals_for`): the signals at or above its threshold, stop
and target at its ATR multiples from `entry`. `run_sweep` replays every set in one compiled,
multi-core call (`sweep_loop.sweep_kernel`) with the same FTMO accounting a single run has;
each row of its table equals `run_backtest(candles, signals_for(basis, set), config)`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numba as nb
import numpy as np
import numpy.typing as npt
import pandas as pd
import talib

from crpbot.backtest.calendar import NS_PER_DAY, day_clock
from crpbot.backtest.engine import BacktestConfig, frames_of, params_of, stack_prices
from crpbot.backtest.metrics import bars_per_year_of
from crpbot.backtest.signals import SignalTableError, normalize_signals, signal_arrays
from crpbot.backtest.sweep_grid import SweepGrid, SweepSet
from crpbot.backtest.sweep_loop import (
    FTMO_TARGET,
    O_DRAWDOWN,
    O_FINAL,
    O_FTMO,
    O_FTMO_DAY,
    O_LOST,
    O_MEAN,
    O_SIGNALS,
    O_SPREAD,
    O_TRADES,
    O_TRADING_DAYS,
    O_WON,
    sweep_kernel,
)

ATR_PERIOD = 14
RANKINGS: dict[str, bool] = {
    "total_return": False,
    "sharpe": False,
    "win_rate": False,
    "max_drawdown": True,
}
"""Metrics a sweep can be ranked by, with whether smaller is better."""


@dataclass(frozen=True)
class SweepResult:
    """One row per parameter set, in grid order (`ranked` sorts it)."""

    table: pd.DataFrame
    config: BacktestConfig
    bars: int

    def ranked(self, by: str = "total_return") -> pd.DataFrame:
        if by not in RANKINGS:
            raise ValueError(f"cannot rank by {by!r}; use {', '.join(RANKINGS)}")
        return self.table.sort_values(by, ascending=RANKINGS[by], na_position="last")


def sweep_basis(signals: pd.DataFrame, candles: pd.DataFrame) -> pd.DataFrame:
    """The normalized table with `confidence` and `atr` columns, ready for `signals_for`."""
    table = normalize_signals(signals)
    by_lower = {str(col).strip().lower(): col for col in signals.columns}
    if table["entry"].isna().any():
        raise SignalTableError("a sweep places stops and targets from `entry`; some rows lack it")
    table["confidence"] = _column(signals, by_lower.get("confidence"), 1.0)
    if "atr" in by_lower:
        table["atr"] = _column(signals, by_lower["atr"], np.nan)
    else:
        table["atr"] = _candle_atr(candles, table)
    bad = np.flatnonzero(~(table["atr"].to_numpy() > 0))
    if bad.size:
        raise SignalTableError(
            f"no positive ATR for {bad.size} signal(s) (first row {bad[0]}): too early in the "
            f"candles for ATR({ATR_PERIOD}), or a bad `atr` column"
        )
    return table


def _column(signals: pd.DataFrame, name: object, default: float) -> npt.NDArray[np.float64]:
    if name is None:
        return np.full(len(signals), default)
    values = pd.to_numeric(signals[name], errors="coerce").to_numpy(dtype=np.float64)
    return np.asarray(values, dtype=np.float64)


def _candle_atr(candles: pd.DataFrame, table: pd.DataFrame) -> npt.NDArray[np.float64]:
    high, low, close = (candles[c].to_numpy(dtype=np.float64) for c in ("high", "low", "close"))
    atr = talib.ATR(high, low, close, timeperiod=ATR_PERIOD)
    bar = pd.DatetimeIndex(candles.index).get_indexer(pd.DatetimeIndex(table["ts"]))
    return np.where(bar >= 0, atr[np.maximum(bar, 0)], np.nan)


def exits(
    basis: pd.DataFrame, stop_atr: float, target_atr: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Stop and target prices of every basis row for one pair of ATR multiples."""
    entry, atr = basis["entry"].to_numpy(), basis["atr"].to_numpy()
    sign = np.where(basis["side"].to_numpy() == "long", 1.0, -1.0)
    return entry - sign * stop_atr * atr, entry + sign * target_atr * atr


def signals_for(basis: pd.DataFrame, chosen: SweepSet) -> pd.DataFrame:
    """The plain signal table one parameter set stands for (what a single run replays)."""
    stop, target = exits(basis, chosen.stop_atr, chosen.target_atr)
    keep = basis["confidence"].to_numpy() >= chosen.threshold
    table = basis.assign(stop=stop, target=target)[keep]
    return table[["ts", "symbol", "side", "entry", "stop", "target", "expiry"]]


def run_sweep(
    candles: pd.DataFrame | Mapping[str, pd.DataFrame],
    basis: pd.DataFrame,
    grid: SweepGrid,
    config: BacktestConfig | None = None,
    progress: Callable[[int], None] | None = None,
) -> SweepResult:
    """Replay every set of `grid`. With `progress`, sets go in chunks (one compiled call
    each) and it is told how many finished after each; without, all go in one call."""
    config = config or BacktestConfig()
    sets = grid.sets()
    frames = frames_of(candles, basis)
    symbols = list(frames)
    index = pd.DatetimeIndex(next(iter(frames.values())).index)
    arrays = signal_arrays(basis, index, symbols)
    stops, targets = _exit_matrices(basis, sets, arrays.order)
    prices = (
        stack_prices(frames, "open"),
        stack_prices(frames, "high"),
        stack_prices(frames, "low"),
        stack_prices(frames, "close"),
    )
    ts, trans, offsets, max_days = day_clock(index, config.rules.timezone)
    signals = (
        arrays.bar,
        arrays.symbol,
        arrays.side,
        arrays.expiry_bar.astype(np.float64),
        basis["confidence"].to_numpy(dtype=np.float64)[arrays.order],
    )
    thresholds = np.array([s.threshold for s in sets], dtype=np.float64)
    goal = (config.rules.target_balance, config.rules.min_trading_days)
    step = len(sets) if progress is None else max(2 * nb.get_num_threads(), len(sets) // 50)
    chunks = []
    for lo in range(0, len(sets), step):
        part = slice(lo, lo + step)
        grid_part = (stops[part], targets[part], thresholds[part])
        chunks.append(
            sweep_kernel(
                prices, ts, (trans, offsets), max_days, signals, grid_part, params_of(config), goal
            )
        )
        if progress is not None:
            progress(min(lo + step, len(sets)))
    raw = np.vstack(chunks) if chunks else np.empty((0, 11))
    return SweepResult(_table(sets, raw, config, index), config, len(index))


def _exit_matrices(
    basis: pd.DataFrame, sets: list[SweepSet], order: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    stops = np.empty((len(sets), len(basis)))
    targets = np.empty((len(sets), len(basis)))
    for p, chosen in enumerate(sets):
        stop, target = exits(basis, chosen.stop_atr, chosen.target_atr)
        if not bool(np.all(stop > 0)):
            raise SignalTableError(
                f"stop={chosen.stop_atr:g} ATR puts some stops at or below zero; use smaller stops"
            )
        stops[p], targets[p] = stop[order], target[order]
    return stops, targets


def _table(
    sets: list[SweepSet],
    raw: npt.NDArray[np.float64],
    config: BacktestConfig,
    index: pd.DatetimeIndex,
) -> pd.DataFrame:
    """The kernel's numbers turned into `run_backtest`'s figures, by the same formulas."""
    initial = config.rules.initial_balance
    won, lost = raw[:, O_WON], raw[:, O_LOST]
    decided = won + lost
    mean, spread = raw[:, O_MEAN], raw[:, O_SPREAD]
    per_year = bars_per_year_of(index)
    with np.errstate(invalid="ignore", divide="ignore"):
        win_rate = np.where(decided > 0, won / decided, np.nan)
        sharpe = np.where(spread > 0, mean / spread * np.sqrt(per_year), np.nan)
    outcome = raw[:, O_FTMO]
    status = np.where(
        outcome == 0, "not_passed", np.where(outcome == FTMO_TARGET, "passed", "failed")
    )
    day = raw[:, O_FTMO_DAY]
    decided_on = pd.DatetimeIndex(
        np.where(
            np.isnan(day), np.iinfo(np.int64).min, np.nan_to_num(day).astype(np.int64) * NS_PER_DAY
        ).astype("datetime64[ns]")
    )
    return pd.DataFrame(
        {
            "stop_atr": [s.stop_atr for s in sets],
            "target_atr": [s.target_atr for s in sets],
            "threshold": [s.threshold for s in sets],
            "signals": raw[:, O_SIGNALS].astype(np.int64),
            "trades": raw[:, O_TRADES].astype(np.int64),
            "win_rate": win_rate,
            "total_return": raw[:, O_FINAL] / initial - 1.0,
            "final_equity": raw[:, O_FINAL],
            "max_drawdown": raw[:, O_DRAWDOWN],
            "sharpe": sharpe,
            "ftmo_status": status,
            "ftmo_decided_on": decided_on,
            "trading_days": raw[:, O_TRADING_DAYS].astype(np.int64),
        }
    )
