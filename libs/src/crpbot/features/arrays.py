"""The catalog's newest rows, computed straight on numpy arrays with TA-Lib.

A scanner needs only the last few rows of each symbol's features, every cycle, for hundreds
of symbols. `compute_features` (pandas-ta) spends ~85 % of a cycle in pandas-ta's per-call
overhead (Series validation, index alignment, naming), not in arithmetic. This module calls
the same TA-Lib functions pandas-ta calls, on plain arrays, and does the few indicators
pandas-ta computes itself (Keltner, Donchian, CMF, VWAP, returns, realised volatility) with
numpy over the requested rows only.

`compute_features` stays the reference the models are trained on: a test asserts that every
column here equals it (to 1e-9 relative) on real and random bars, so the two recipes cannot
drift apart silently. Where pandas-ta's behaviour is odd it is copied, not fixed, for that
reason: `_nonzero_range` adds epsilon to a whole series if any one difference is zero, and a
few indicators are all-NaN below pandas-ta's own minimum length (`_MIN_ROWS`).

Recursive indicators (EMAs, Wilder's smoothing, OBV) depend on every earlier bar, so TA-Lib
runs over the whole history (microseconds in C); windowed ones run over the newest rows only.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
import talib
from numpy.lib.stride_tricks import sliding_window_view
from talib._ta_lib import MA_Type

from crpbot.candles.source import CANDLE_COLUMNS
from crpbot.candles.validate import CandleValidationError
from crpbot.features.catalog import feature_names

Array = npt.NDArray[np.float64]
Columns = dict[str, Array]

_MIN_ROWS = {"STOCH": 3 + 3 + 14, "KC": 20 + 1, "VWAP": 2}
"""Series lengths below which pandas-ta returns no column although TA-Lib would have values
(pandas-ta's `_length` for these calls, and VWAP's "ordered index" check, which one bar
fails); other indicators' minimums match TA-Lib's."""

_SMA = MA_Type.SMA
_EPSILON = float(np.finfo(float).eps)
_NANOSECONDS_PER_DAY = 86_400 * 1_000_000_000


class _Bars:
    """One symbol's OHLCV as float64 arrays, plus which rows to return."""

    def __init__(self, candles: pd.DataFrame, rows: int) -> None:
        self.open, self.high, self.low, self.close, self.volume = (
            np.ascontiguousarray(candles[column].to_numpy(), dtype=np.float64)
            for column in CANDLE_COLUMNS
        )
        self.size = len(candles)
        self.rows = min(rows, self.size)
        self.start = self.size - self.rows
        self.day = _timestamps(candles) // _NANOSECONDS_PER_DAY

    def tail(self, values: Array) -> Array:
        return values[self.start :]

    def nan(self) -> Array:
        return np.full(self.rows, np.nan)


def feature_tail(candles: pd.DataFrame, rows: int) -> pd.DataFrame:
    """The last `rows` rows of `compute_features(candles)`, equal to 1e-9 relative."""
    names = feature_names()
    return pd.DataFrame(
        tail_matrix(candles, rows),
        index=candles.index[max(len(candles) - rows, 0) :],
        columns=names,
    )


def tail_matrix(candles: pd.DataFrame, rows: int) -> Array:
    """`feature_tail`'s values: one row per bar (at most `rows`), one column per catalog name.

    `candles` must already satisfy the candle convention (a feed's bars do); only the bar
    order, which would let indicators read the future, is checked here, since the full
    `validate_candles` costs more than the features themselves.
    """
    if rows < 1:
        raise ValueError("rows must be at least 1")
    bars = _Bars(candles, rows)
    columns: Columns = {}
    with np.errstate(divide="ignore", invalid="ignore"):  # idle bars: NaN, as in pandas
        for family in (_averages, _trend, _oscillators, _bands, _channels, _volume, _returns):
            columns.update(family(bars))
    names = feature_names()
    if not bars.rows:
        return np.empty((0, len(names)))
    return np.column_stack([columns[name] for name in names])


def _timestamps(candles: pd.DataFrame) -> npt.NDArray[np.int64]:
    """Bar times in ns since the epoch, refused unless UTC and strictly increasing."""
    index = candles.index
    if not isinstance(index, pd.DatetimeIndex) or str(index.tz) != "UTC":
        raise CandleValidationError("invalid candles for features: timestamps must be UTC")
    ns = index.asi8
    if len(ns) > 1 and not (ns[1:] > ns[:-1]).all():
        raise CandleValidationError(
            "invalid candles for features: timestamps must strictly increase"
        )
    return ns


def _nonzero_range(x: Array, y: Array) -> Array:
    """pandas-ta's `non_zero_range`: x - y, plus epsilon everywhere if any difference is 0."""
    diff = x - y
    return diff + _EPSILON if (diff == 0).any() else diff


def _rolling(values: Array, length: int, rows: int) -> npt.NDArray[np.float64]:
    """Windows of `length` ending at each of the last `rows` positions; positions without a
    full window are padded with NaN windows."""
    padded = np.concatenate([np.full(length - 1, np.nan), values])
    return sliding_window_view(padded[len(padded) - (rows + length - 1) :], length)


def _averages(b: _Bars) -> Columns:
    out = {f"SMA_{n}": b.tail(talib.SMA(b.close, n)) for n in (10, 20, 50, 200)}
    out |= {f"EMA_{n}": b.tail(talib.EMA(b.close, n)) for n in (12, 26, 50, 200)}
    return out


def _trend(b: _Bars) -> Columns:
    macd, signal, histogram = talib.MACD(b.close, 12, 26, 9)
    adx = talib.ADX(b.high, b.low, b.close, 14)
    adxr = 0.5 * (adx + np.concatenate([np.full(2, np.nan), adx[:-2]])[: b.size])
    return {
        "MACD_12_26_9": b.tail(macd),
        "MACDh_12_26_9": b.tail(histogram),
        "MACDs_12_26_9": b.tail(signal),
        "ADX_14": b.tail(adx),
        "ADXR_14_2": b.tail(adxr),
        "DMP_14": b.tail(talib.PLUS_DI(b.high, b.low, b.close, 14)),
        "DMN_14": b.tail(talib.MINUS_DI(b.high, b.low, b.close, 14)),
    }


def _oscillators(b: _Bars) -> Columns:
    if b.size >= _MIN_ROWS["STOCH"]:
        # pandas-ta passes `d` as TA-Lib's slow-%K period (both 3 here).
        k, d = (b.tail(v) for v in talib.STOCH(b.high, b.low, b.close, 14, 3, _SMA, 3, _SMA))
    else:
        k, d = b.nan(), b.nan()
    return {
        "RSI_14": b.tail(talib.RSI(b.close, 14)),
        "STOCHk_14_3_3": k,
        "STOCHd_14_3_3": d,
        "STOCHh_14_3_3": k - d,
        "CCI_14_0.015": b.tail(talib.CCI(b.high, b.low, b.close, 14)),
        "ROC_10": b.tail(talib.ROC(b.close, 10)),
        "WILLR_14": b.tail(talib.WILLR(b.high, b.low, b.close, 14)),
    }


def _bands(b: _Bars) -> Columns:
    upper, mid, lower = talib.BBANDS(b.close, 20, 2.0, 2.0, _SMA)
    spread = _nonzero_range(upper, lower)
    return {
        "ATRr_14": b.tail(talib.ATR(b.high, b.low, b.close, 14)),
        "NATR_14": b.tail(talib.NATR(b.high, b.low, b.close, 14)),
        "BBL_20_2.0_2.0": b.tail(lower),
        "BBM_20_2.0_2.0": b.tail(mid),
        "BBU_20_2.0_2.0": b.tail(upper),
        "BBB_20_2.0_2.0": b.tail(100 * spread / mid),
        "BBP_20_2.0_2.0": b.tail(_nonzero_range(b.close, lower) / spread),
    }


def _channels(b: _Bars) -> Columns:
    if b.size >= _MIN_ROWS["KC"]:
        basis = b.tail(talib.EMA(b.close, 20))
        band = b.tail(talib.EMA(talib.TRANGE(b.high, b.low, b.close), 20))
        keltner = (basis - 2 * band, basis, basis + 2 * band)
    else:
        keltner = (b.nan(), b.nan(), b.nan())
    lowest = _rolling(b.low, 20, b.rows).min(axis=1)
    highest = _rolling(b.high, 20, b.rows).max(axis=1)
    return {
        "KCLe_20_2": keltner[0],
        "KCBe_20_2": keltner[1],
        "KCUe_20_2": keltner[2],
        "DCL_20_20": lowest,
        "DCM_20_20": 0.5 * (lowest + highest),
        "DCU_20_20": highest,
    }


def _volume(b: _Bars) -> Columns:
    flow = (2 * b.close - (b.high + b.low)) * (b.volume / _nonzero_range(b.high, b.low))
    cmf = _rolling(flow, 20, b.rows).sum(axis=1) / _rolling(b.volume, 20, b.rows).sum(axis=1)
    return {
        "OBV": b.tail(talib.OBV(b.close, b.volume)),
        "MFI_14": b.tail(talib.MFI(b.high, b.low, b.close, b.volume, 14)),
        "CMF_20": cmf,
        "VWAP_D": _vwap(b),
    }


def _vwap(b: _Bars) -> Array:
    """Typical-price VWAP restarting each UTC day, from the first returned row's day on."""
    if b.size < _MIN_ROWS["VWAP"]:
        return b.nan()
    first = int(np.searchsorted(b.day, b.day[b.start]))
    typical = talib.TYPPRICE(b.high, b.low, b.close)[first:]
    volume, day = b.volume[first:], b.day[first:]
    new_day = np.flatnonzero(day[1:] != day[:-1]) + 1
    weighted = np.concatenate([np.cumsum(s) for s in np.split(typical * volume, new_day)])
    traded = np.concatenate([np.cumsum(s) for s in np.split(volume, new_day)])
    vwap: Array = (weighted / traded)[b.start - first :]
    return vwap


def _returns(b: _Bars) -> Columns:
    shifted = {n: np.concatenate([np.full(n, np.nan), b.close[:-n]])[: b.size] for n in (1, 5, 20)}
    out = {f"LOGRET_{n}": b.tail(np.log(b.close / shifted[n])) for n in (1, 5, 20)}
    one_bar = np.diff(np.log(b.close), prepend=np.nan)
    out |= {f"RVOL_{n}": _rolling(one_bar, n, b.rows).std(axis=1, ddof=1) for n in (20, 50)}
    return out
