"""`compute_features`: shape, types, coverage, input checks and speed."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from crpbot.candles.validate import CandleValidationError
from crpbot.features import feature_names
from crpbot.features.compute import compute_features
from tests.unit.features.conftest import synthetic_candles


@pytest.fixture(scope="module")
def features(eurusd: pd.DataFrame) -> pd.DataFrame:
    return compute_features(eurusd)


def test_compute_features_returns_catalog_columns_on_candle_index(
    eurusd: pd.DataFrame, features: pd.DataFrame
) -> None:
    assert list(features.columns) == feature_names()
    assert features.index.equals(eurusd.index)
    assert all(str(dtype) == "float64" for dtype in features.dtypes)


def test_compute_features_fills_every_column_after_warm_up(features: pd.DataFrame) -> None:
    after_warm_up = features.iloc[250:]
    empty = [col for col in features.columns if after_warm_up[col].isna().any()]
    assert empty == []
    assert np.isfinite(after_warm_up.to_numpy()).all()


def test_compute_features_only_leading_rows_are_missing(features: pd.DataFrame) -> None:
    for column in features.columns:
        first_valid = features[column].first_valid_index()
        assert features.loc[first_valid:, column].notna().all(), column


@pytest.mark.parametrize("rows", [1, 5, 30, 199])
def test_compute_features_keeps_all_columns_on_short_series(rows: int) -> None:
    features = compute_features(synthetic_candles(rows))
    assert list(features.columns) == feature_names()
    assert len(features) == rows
    assert features["SMA_200"].isna().all()


def test_compute_features_accepts_integer_volume() -> None:
    candles = synthetic_candles(300)
    as_int = candles.assign(volume=candles["volume"].astype("int64"))
    pd.testing.assert_frame_equal(compute_features(as_int), compute_features(candles))


def test_compute_features_vwap_resets_each_utc_day(eurusd: pd.DataFrame) -> None:
    day = eurusd.loc["2017-05-02"]
    features = compute_features(eurusd).loc["2017-05-02"]
    typical = (day["high"] + day["low"] + day["close"]) / 3
    expected = (typical * day["volume"]).cumsum() / day["volume"].cumsum()
    np.testing.assert_allclose(features["VWAP_D"], expected, rtol=1e-12)


def _unsorted(c: pd.DataFrame) -> pd.DataFrame:
    return c.iloc[[1, 0, *range(2, len(c))]]


def _duplicated(c: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([c.iloc[:3], c.iloc[2:]])


def _with_nan(c: pd.DataFrame) -> pd.DataFrame:
    return c.assign(close=c["close"].where(c.index != c.index[4]))


def _naive(c: pd.DataFrame) -> pd.DataFrame:
    return c.tz_localize(None)


def _no_volume(c: pd.DataFrame) -> pd.DataFrame:
    return c.drop(columns="volume")


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (_unsorted, "out of order"),
        (_duplicated, "duplicate timestamp"),
        (_with_nan, "close is NaN"),
        (_naive, "no timezone"),
        (_no_volume, "missing column"),
    ],
)
def test_compute_features_rejects_candles_that_break_the_convention(breakage, message) -> None:
    with pytest.raises(CandleValidationError, match=message):
        compute_features(breakage(synthetic_candles(50)))


def test_compute_features_takes_well_under_a_second_on_5000_bars(eurusd: pd.DataFrame) -> None:
    compute_features(eurusd.iloc[:300])
    started = time.perf_counter()
    compute_features(eurusd)
    assert time.perf_counter() - started < 1.0
