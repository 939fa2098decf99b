"""The indicator recipe: which pandas-ta calls, with which parameters, produce the catalog.

Every call passes `talib=True` so pandas-ta delegates to TA-Lib wherever it can. That is not a
speed choice: pandas-ta 0.4.71b0's own code paths are wrong for some indicators, and TA-Lib
is the reference the field uses:

- CCI: pandas-ta's own formula divides before subtracting (`tp - sma / (c * mad)`), giving
  values like -6627 where the textbook CCI is 90.5; TA-Lib's `CCI` is the textbook one.
- MFI: pandas-ta's own flow sign counts an unchanged typical price as negative flow (and its
  `np.roll` compares the first bar with the last one, which is look-ahead); TA-Lib's `MFI`
  leaves unchanged bars out, as Quong and Soudack define it.
- ADX: with TA-Lib, pandas-ta fills `DMP`/`DMN` with TA-Lib's `PLUS_DM`/`MINUS_DM`, the
  smoothed directional *movement* in price units, while its own path (and its meaning of the
  columns) is the directional *indicator* +DI/-DI on a 0-100 scale. We keep the names and put
  +DI/-DI in them, from TA-Lib's `PLUS_DI`/`MINUS_DI`, so the columns mean one thing.

Left out because they are not causal, whatever their parameters: `dpo` (centred by default:
shifted back by half its length, so bar t reads later closes), `ichimoku` (the chikou span is
close shifted backwards, and the leading spans are shifted forward past the last bar),
`zigzag` and other pivot finders (a pivot is only known bars after it happens, yet is
stamped on the pivot bar). Anything normalised over the whole series (e.g. a z-score with the
full-sample mean) is excluded for the same reason.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pandas_ta as ta
import talib

if not ta.Imports["talib"]:
    raise ImportError("pandas-ta cannot import TA-Lib; install `ta-lib` beside pandas-ta")


def _moving_averages(c: pd.DataFrame) -> list[pd.Series | None]:
    sma = [ta.sma(c["close"], length=n, talib=True) for n in (10, 20, 50, 200)]
    ema = [ta.ema(c["close"], length=n, talib=True) for n in (12, 26, 50, 200)]
    return [*sma, *ema]


def _macd(c: pd.DataFrame) -> pd.DataFrame | None:
    return ta.macd(c["close"], fast=12, slow=26, signal=9, talib=True)


def _adx(c: pd.DataFrame) -> pd.DataFrame | None:
    frame = ta.adx(c["high"], c["low"], c["close"], length=14, talib=True)
    if frame is None:
        return None
    high, low, close = (c[col].to_numpy() for col in ("high", "low", "close"))
    frame["DMP_14"] = talib.PLUS_DI(high, low, close, timeperiod=14)
    frame["DMN_14"] = talib.MINUS_DI(high, low, close, timeperiod=14)
    return frame


def _oscillators(c: pd.DataFrame) -> list[pd.DataFrame | pd.Series | None]:
    high, low, close = c["high"], c["low"], c["close"]
    return [
        ta.rsi(close, length=14, talib=True),
        ta.stoch(high, low, close, k=14, d=3, smooth_k=3, talib=True),
        ta.cci(high, low, close, length=14, c=0.015, talib=True),
        ta.roc(close, length=10, talib=True),
        ta.willr(high, low, close, length=14, talib=True),
    ]


def _bands(c: pd.DataFrame) -> list[pd.DataFrame | pd.Series | None]:
    high, low, close = c["high"], c["low"], c["close"]
    return [
        ta.atr(high, low, close, length=14, talib=True),
        ta.natr(high, low, close, length=14, talib=True),
        ta.bbands(close, length=20, lower_std=2.0, upper_std=2.0, talib=True),
        ta.kc(high, low, close, length=20, scalar=2),
        ta.donchian(high, low, lower_length=20, upper_length=20),
    ]


def _volume(c: pd.DataFrame) -> list[pd.DataFrame | pd.Series | None]:
    high, low, close, volume = c["high"], c["low"], c["close"], c["volume"]
    with warnings.catch_warnings():
        # Grouping by calendar day drops the (UTC) timezone; the days are still UTC days.
        warnings.simplefilter("ignore", UserWarning)
        vwap = ta.vwap(high, low, close, volume, anchor="D")
    return [
        ta.obv(close, volume, talib=True),
        ta.mfi(high, low, close, volume, length=14, talib=True),
        ta.cmf(high, low, close, volume, length=20),
        vwap,
    ]


def _returns(c: pd.DataFrame) -> list[pd.Series | None]:
    logret = [ta.log_return(c["close"], length=n) for n in (1, 5, 20)]
    one_bar = pd.Series(np.log(c["close"].to_numpy()), index=c.index).diff()
    rvol = [one_bar.rolling(n).std().rename(f"RVOL_{n}") for n in (20, 50)]
    return [*logret, *rvol]


def indicator_columns(candles: pd.DataFrame) -> list[pd.DataFrame | pd.Series]:
    """Every indicator's output on `candles`; pandas-ta returns None when the series is
    shorter than an indicator's window, and those are left out here."""
    parts: list[pd.DataFrame | pd.Series | None] = [
        *_moving_averages(candles),
        _macd(candles),
        _adx(candles),
        *_oscillators(candles),
        *_bands(candles),
        *_volume(candles),
        *_returns(candles),
    ]
    return [part for part in parts if part is not None]
