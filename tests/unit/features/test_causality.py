"""No look-ahead, column by column: appending future bars never changes a past value.

For every feature we compute on a prefix of real bars and on longer series that share that
prefix (the real continuation, and a continuation with a violent made-up shock), and require
the overlapping rows to agree to float noise (1e-9 relative). A centred or back-shifted
indicator would fail here and the failing test's id names the column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crpbot.features import feature_names
from crpbot.features.compute import compute_features
from crpbot.features.scale_free import model_feature_names, model_features

# 150 is shorter than the 200-bar windows (all-NaN columns); the others cut mid-day (VWAP).
CUTS = (150, 1001, 2777, 4500)
RTOL = 1e-9


def _shocked(candles: pd.DataFrame, cut: int) -> pd.DataFrame:
    """The prefix, then a future that differs from the real one: prices x3, volume x50."""
    shocked = candles.copy()
    shocked.iloc[cut:, :4] *= 3.0
    shocked.iloc[cut:, 4] *= 50.0
    return shocked


def _series_pairs(candles: pd.DataFrame, compute) -> list[tuple[str, pd.DataFrame, pd.DataFrame]]:
    pairs = []
    full = compute(candles)
    for cut in CUTS:
        prefix = compute(candles.iloc[:cut])
        pairs.append((f"real future after {cut}", prefix, full.iloc[:cut]))
        pairs.append((f"shocked future after {cut}", prefix, compute(_shocked(candles, cut))))
    return pairs


@pytest.fixture(scope="module")
def feature_pairs(eurusd: pd.DataFrame, goog: pd.DataFrame):
    return {
        "EURUSD": _series_pairs(eurusd, compute_features),
        "GOOG": _series_pairs(goog, compute_features),
    }


@pytest.fixture(scope="module")
def model_pairs(eurusd: pd.DataFrame):
    return {"EURUSD": _series_pairs(eurusd, model_features)}


def _assert_same_past(column: str, pairs) -> None:
    for dataset, cases in pairs.items():
        for label, prefix, longer in cases:
            past = prefix[column].to_numpy()
            same_rows = longer[column].to_numpy()[: len(past)]
            where = f"{column} on {dataset}, {label}"
            np.testing.assert_array_equal(np.isnan(past), np.isnan(same_rows), err_msg=where)
            np.testing.assert_allclose(past, same_rows, rtol=RTOL, atol=0, err_msg=where)


@pytest.mark.parametrize("column", feature_names())
def test_compute_features_is_causal(column: str, feature_pairs) -> None:
    _assert_same_past(column, feature_pairs)


@pytest.mark.parametrize("column", model_feature_names())
def test_model_features_are_causal(column: str, model_pairs) -> None:
    _assert_same_past(column, model_pairs)


def test_causality_check_catches_a_centred_indicator(eurusd: pd.DataFrame) -> None:
    """The harness itself must fail on look-ahead: a centred moving average is caught."""

    def centred(candles: pd.DataFrame) -> pd.DataFrame:
        return candles[["close"]].rolling(5, center=True).mean()

    with pytest.raises(AssertionError, match="close on EURUSD"):
        _assert_same_past("close", {"EURUSD": _series_pairs(eurusd, centred)})
