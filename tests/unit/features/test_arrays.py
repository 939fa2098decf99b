"""`feature_tail` (TA-Lib on arrays, newest rows only) equals `compute_features` (pandas-ta, the
training reference) column by column, so the scanner's fast recipe cannot drift from the one
the models learned on. Values match to 1e-9 relative; most are bit-identical (the same TA-Lib
calls), only rolling sums and deviations differ in the last bits (numpy's sums vs pandas'
running ones)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crpbot.candles.validate import CandleValidationError
from crpbot.data.bundled import bundled_names, load_bundled
from crpbot.features import feature_names
from crpbot.features.arrays import feature_tail, tail_matrix
from crpbot.features.compute import compute_features
from tests.unit.features.conftest import synthetic_candles

RTOL = 1e-9
ATOL = 1e-12
"""Absolute slack for values that cancel to ~0 (a CMF or MACD histogram near zero), where a
last-bit difference in a rolling sum is a large relative one."""


def assert_matches_reference(candles: pd.DataFrame, rows: int) -> None:
    expected = compute_features(candles).iloc[-rows:]
    got = feature_tail(candles, rows)
    assert list(got.columns) == feature_names()
    assert got.index.equals(expected.index)
    for column in expected.columns:
        np.testing.assert_allclose(
            got[column].to_numpy(),
            expected[column].to_numpy(),
            rtol=RTOL,
            atol=ATOL,
            equal_nan=True,
            err_msg=column,
        )


def _market(name: str, shift: int, length: int) -> pd.DataFrame:
    """A bundled market cut to `length` bars starting `shift` bars in: each cut is its own
    symbol for the recursive indicators, which remember every earlier bar."""
    return load_bundled(name).iloc[shift : shift + length]


@pytest.mark.parametrize("name", bundled_names())
@pytest.mark.parametrize("shift", [0, 37, 101])
@pytest.mark.parametrize("rows", [1, 2, 52, 250])
def test_feature_tail_equals_compute_features_on_bundled_markets(
    name: str, shift: int, rows: int
) -> None:
    assert_matches_reference(_market(name, shift, 1000), rows)


@pytest.mark.parametrize("length", [1, 2, 14, 15, 18, 19, 20, 21, 27, 34, 50, 51, 200, 201])
def test_feature_tail_keeps_pandas_ta_minimum_lengths(length: int) -> None:
    """Around each indicator's warm-up, where pandas-ta gives an all-NaN column while TA-Lib
    would already have values (the stochastic below 20 bars, Keltner below 21)."""
    assert_matches_reference(synthetic_candles(length, seed=length), length)


@pytest.mark.parametrize("rows", [1, 24, 60])
def test_feature_tail_matches_with_flat_bars_and_zero_volume(rows: int) -> None:
    """Unchanged bars make pandas-ta add epsilon to whole ranges; idle bars divide by zero."""
    candles = synthetic_candles(400, seed=3, flat_every=9)
    candles.iloc[::13, candles.columns.get_loc("volume")] = 0.0
    assert_matches_reference(candles, rows)


def test_feature_tail_returns_every_bar_when_asked_for_more_rows() -> None:
    candles = synthetic_candles(80)
    assert len(feature_tail(candles, 500)) == 80
    assert_matches_reference(candles, 80)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    length=st.integers(min_value=1, max_value=320),
    rows=st.integers(min_value=1, max_value=80),
    seed=st.integers(min_value=0, max_value=2**31),
    flat_every=st.sampled_from([0, 2, 5]),
    level=st.sampled_from([1e-4, 1.0, 4e4]),
)
def test_feature_tail_equals_compute_features_on_random_bars(
    length: int, rows: int, seed: int, flat_every: int, level: float
) -> None:
    candles = synthetic_candles(length, seed=seed, flat_every=flat_every)
    prices = ["open", "high", "low", "close"]
    candles[prices] *= level
    assert_matches_reference(candles, min(rows, length))


@pytest.mark.parametrize(
    ("index", "problem"),
    [
        (pd.date_range("2024-01-01", periods=30, freq="h"), "UTC"),
        (pd.date_range("2024-01-01", periods=30, freq="h", tz="UTC")[::-1], "increase"),
        (pd.DatetimeIndex([pd.Timestamp("2024-01-01", tz="UTC")] * 30), "increase"),
    ],
)
def test_tail_matrix_refuses_bars_that_would_read_the_future(
    index: pd.DatetimeIndex, problem: str
) -> None:
    candles = synthetic_candles(30).set_axis(index)
    with pytest.raises(CandleValidationError, match=problem):
        tail_matrix(candles, 5)


def test_tail_matrix_needs_at_least_one_row() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        tail_matrix(synthetic_candles(30), 0)
