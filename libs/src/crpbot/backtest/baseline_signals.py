"""A model-free signal source: SMA crossover with ATR stops and targets.

It exists so the backtest CLI, its tests and the benchmark have real signals on the bundled
data before any model is trained, and as a baseline a model has to beat. Indicators come
from TA-Lib (a dependency anyway, used by pandas-ta). Each signal is stamped with the bar
whose close completed the cross, so the engine enters on the following bar's open.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import talib


@dataclass(frozen=True)
class CrossoverParams:
    """Fast/slow SMA lengths; stop and target as multiples of ATR from the signal close;
    expiry as a number of bars after the signal bar (0 = none)."""

    fast: int = 10
    slow: int = 30
    atr_period: int = 14
    stop_atr: float = 2.0
    target_atr: float = 3.0
    expiry_bars: int = 48


def sma_crossover_signals(
    candles: pd.DataFrame, symbol: str, params: CrossoverParams | None = None
) -> pd.DataFrame:
    """Long when the fast SMA crosses above the slow one, short when it crosses below."""
    p = params or CrossoverParams()
    if not 0 < p.fast < p.slow:
        raise ValueError("need 0 < fast < slow")
    close = candles["close"].to_numpy(dtype=np.float64)
    high = candles["high"].to_numpy(dtype=np.float64)
    low = candles["low"].to_numpy(dtype=np.float64)
    above = talib.SMA(close, p.fast) > talib.SMA(close, p.slow)
    atr = talib.ATR(high, low, close, timeperiod=p.atr_period)
    valid = ~np.isnan(talib.SMA(close, p.slow)) & ~np.isnan(atr)
    crossed = np.zeros(close.size, dtype=bool)
    crossed[1:] = (above[1:] != above[:-1]) & valid[1:] & valid[:-1]
    rows = np.flatnonzero(crossed)
    sign = np.where(above[rows], 1.0, -1.0)
    entry = close[rows]
    index = pd.DatetimeIndex(candles.index)
    expiry = (
        index[np.minimum(rows + p.expiry_bars, len(index) - 1)]
        if p.expiry_bars > 0
        else pd.DatetimeIndex([pd.NaT] * rows.size, tz="UTC")
    )
    return pd.DataFrame(
        {
            "ts": index[rows],
            "symbol": symbol,
            "side": np.where(sign > 0, "long", "short"),
            "entry": entry,
            "stop": entry - sign * p.stop_atr * atr[rows],
            "target": entry + sign * p.target_atr * atr[rows],
            "expiry": expiry,
        }
    )
