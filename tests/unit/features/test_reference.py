"""Our values against independent references: textbook formulas in numpy and TA-Lib itself.

CCI and MFI are checked because pandas-ta 0.4.71b0's own versions are wrong (see
`crpbot.features.indicators`); DMP/DMN because pandas-ta fills them with TA-Lib's directional
movement instead of the directional indicator when TA-Lib is present.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas_ta as ta
import pytest
import talib

from crpbot.features.compute import compute_features
from tests.unit.features.conftest import synthetic_candles


def textbook_cci(candles: pd.DataFrame, length: int = 14, c: float = 0.015) -> np.ndarray:
    tp = ((candles["high"] + candles["low"] + candles["close"]) / 3).to_numpy()
    out = np.full(len(tp), np.nan)
    for t in range(length - 1, len(tp)):
        window = tp[t - length + 1 : t + 1]
        mean = window.mean()
        out[t] = (tp[t] - mean) / (c * np.abs(window - mean).mean())
    return out


def textbook_mfi(
    candles: pd.DataFrame, length: int = 14, unchanged_is_negative: bool = False
) -> np.ndarray:
    """Quong & Soudack: flow counts as positive/negative only when the typical price moves.

    "Moves" ignores float noise: two bars whose high + low + close are equal in decimal can
    differ by 2e-16 in binary (EUR/USD has 3 such bars), and TA-Lib rightly calls them
    unchanged; a bare `diff > 0` would count them as positive flow for 14 bars.
    """
    tp = ((candles["high"] + candles["low"] + candles["close"]) / 3).to_numpy()
    flow = tp * candles["volume"].to_numpy()
    change = np.r_[0.0, np.diff(tp)]
    change[np.isclose(np.r_[tp[0], tp[:-1]], tp, rtol=1e-12, atol=0.0)] = 0.0
    positive = np.where(change > 0, flow, 0.0)
    negative = np.where(change <= 0 if unchanged_is_negative else change < 0, flow, 0.0)
    out = np.full(len(tp), np.nan)
    for t in range(length, len(tp)):
        pos = positive[t - length + 1 : t + 1].sum()
        neg = negative[t - length + 1 : t + 1].sum()
        out[t] = 100.0 * pos / (pos + neg)
    return out


@pytest.fixture(scope="module")
def flat_bars() -> pd.DataFrame:
    return synthetic_candles(120, seed=3, flat_every=4)


def test_pandas_ta_computes_with_talib() -> None:
    assert ta.Imports["talib"] is True


@pytest.mark.parametrize("dataset", ["eurusd", "goog"])
def test_cci_matches_textbook_formula(dataset: str, request: pytest.FixtureRequest) -> None:
    candles = request.getfixturevalue(dataset)
    ours = compute_features(candles)["CCI_14_0.015"].to_numpy()
    np.testing.assert_allclose(ours, textbook_cci(candles), rtol=1e-7, atol=1e-7)


def test_mfi_leaves_unchanged_typical_price_out(flat_bars: pd.DataFrame) -> None:
    ours = compute_features(flat_bars)["MFI_14"].to_numpy()
    np.testing.assert_allclose(ours, textbook_mfi(flat_bars), rtol=1e-9, atol=1e-9)
    pandas_ta_own_rule = textbook_mfi(flat_bars, unchanged_is_negative=True)
    assert np.nanmax(np.abs(ours - pandas_ta_own_rule)) > 1.0


def test_mfi_matches_textbook_on_real_bars(eurusd: pd.DataFrame) -> None:
    ours = compute_features(eurusd)["MFI_14"].to_numpy()
    np.testing.assert_allclose(ours, textbook_mfi(eurusd), rtol=1e-7, atol=1e-7)


def test_cci_and_mfi_equal_talib(flat_bars: pd.DataFrame) -> None:
    high, low, close, volume = (flat_bars[c].to_numpy() for c in flat_bars.columns[1:])
    ours = compute_features(flat_bars)
    np.testing.assert_allclose(ours["CCI_14_0.015"], talib.CCI(high, low, close, 14))
    np.testing.assert_allclose(ours["MFI_14"], talib.MFI(high, low, close, volume, 14))


def test_dmp_and_dmn_are_directional_indicators(eurusd: pd.DataFrame) -> None:
    high, low, close = (eurusd[c].to_numpy() for c in ("high", "low", "close"))
    ours = compute_features(eurusd)
    np.testing.assert_allclose(ours["DMP_14"], talib.PLUS_DI(high, low, close, 14))
    np.testing.assert_allclose(ours["DMN_14"], talib.MINUS_DI(high, low, close, 14))
    assert ours[["DMP_14", "DMN_14"]].dropna().stack().between(0, 100).all()


@pytest.mark.parametrize(
    ("column", "reference"),
    [
        ("RSI_14", lambda h, lo, c, v: talib.RSI(c, 14)),
        ("ATRr_14", lambda h, lo, c, v: talib.ATR(h, lo, c, 14)),
        ("ADX_14", lambda h, lo, c, v: talib.ADX(h, lo, c, 14)),
        ("WILLR_14", lambda h, lo, c, v: talib.WILLR(h, lo, c, 14)),
        ("OBV", lambda h, lo, c, v: talib.OBV(c, v)),
        ("EMA_50", lambda h, lo, c, v: talib.EMA(c, 50)),
        ("MACD_12_26_9", lambda h, lo, c, v: talib.MACD(c, 12, 26, 9)[0]),
    ],
)
def test_features_equal_talib(column: str, reference, eurusd: pd.DataFrame) -> None:
    high, low, close, volume = (eurusd[c].to_numpy() for c in ("high", "low", "close", "volume"))
    ours = compute_features(eurusd)[column].to_numpy()
    np.testing.assert_allclose(ours, reference(high, low, close, volume), rtol=1e-12)
