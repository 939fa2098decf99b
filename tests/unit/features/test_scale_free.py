"""`model_features`: the same patterns give the same inputs whatever the price or volume level."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crpbot.features import FEATURE_SPECS
from crpbot.features.compute import compute_features
from crpbot.features.scale_free import (
    OBV_WINDOW,
    model_feature_names,
    model_features,
    rescale_matrix,
)


@pytest.fixture(scope="module")
def baseline(eurusd: pd.DataFrame) -> pd.DataFrame:
    return model_features(eurusd)


def test_model_features_columns_follow_the_catalog(
    eurusd: pd.DataFrame, baseline: pd.DataFrame
) -> None:
    assert list(baseline.columns) == model_feature_names()
    assert len(baseline.columns) == len(FEATURE_SPECS)
    assert baseline.index.equals(eurusd.index)


@pytest.mark.parametrize(("price_factor", "volume_factor"), [(2.0**15, 1.0), (1.0, 2.0**20)])
def test_model_features_ignore_price_and_volume_level(
    eurusd: pd.DataFrame, baseline: pd.DataFrame, price_factor: float, volume_factor: float
) -> None:
    """Powers of two scale floats exactly, so ties (e.g. +DM vs -DM) stay ties; any other
    factor flips a few of them by rounding and ADX would differ by noise turned into choices."""
    scaled = eurusd.copy()
    scaled[["open", "high", "low", "close"]] *= price_factor
    scaled["volume"] *= volume_factor
    rescaled = model_features(scaled)
    for column in baseline.columns:
        np.testing.assert_allclose(
            rescaled[column], baseline[column], rtol=1e-6, atol=1e-9, err_msg=column
        )


def test_raw_features_do_depend_on_price_level(eurusd: pd.DataFrame) -> None:
    scaled = eurusd.assign(**{c: eurusd[c] * 1000 for c in ("open", "high", "low", "close")})
    raw, raw_scaled = compute_features(eurusd), compute_features(scaled)
    level_dependent = [s.name for s in FEATURE_SPECS if s.scale in ("price", "price_diff")]
    ratio = (raw_scaled[level_dependent] / raw[level_dependent]).stack()
    np.testing.assert_allclose(ratio, 1000.0, rtol=1e-6)


def test_model_features_put_moving_averages_relative_to_close(
    eurusd: pd.DataFrame, baseline: pd.DataFrame
) -> None:
    raw = compute_features(eurusd)
    expected = raw["SMA_20"] / eurusd["close"] - 1
    np.testing.assert_allclose(baseline["SMA_20_rel"], expected)
    assert baseline["OBV_rel"].dropna().between(-1, 1).all()


def _rescaled_column_by_column(
    matrix: np.ndarray, close: np.ndarray, volume: np.ndarray
) -> np.ndarray:
    """`rescale_matrix` as written before it worked on all columns of a scale at once (kept
    as the reference: one column at a time, the OBV with pandas' diff and rolling sum)."""
    out = np.empty_like(matrix)
    for position, spec in enumerate(FEATURE_SPECS):
        raw = matrix[:, position]
        if spec.scale == "price":
            out[:, position] = raw / close - 1.0
        elif spec.scale == "price_diff":
            out[:, position] = raw / close
        elif spec.scale == "cumulative_volume":
            traded = pd.Series(volume).rolling(OBV_WINDOW).sum()
            out[:, position] = (pd.Series(raw).diff(OBV_WINDOW) / traded).to_numpy()
        else:
            out[:, position] = raw
    return out


@pytest.mark.parametrize("rows", [0, 1, OBV_WINDOW, OBV_WINDOW + 1, 60])
def test_rescale_matrix_equals_the_column_by_column_transform(rows: int) -> None:
    """Bit for bit, idle stretches (zero volume, NaN warm-up rows) included."""
    rng = np.random.default_rng(rows)
    matrix = rng.normal(100.0, 20.0, (rows, len(FEATURE_SPECS)))
    matrix[: rows // 3, ::4] = np.nan
    close = rng.uniform(50.0, 150.0, rows)
    volume = rng.uniform(0.0, 10.0, rows)
    volume[rows // 2 :] = 0.0
    np.testing.assert_array_equal(
        rescale_matrix(matrix, close, volume), _rescaled_column_by_column(matrix, close, volume)
    )
