"""`model_features`: the same patterns give the same inputs whatever the price or volume level."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crpbot.features import FEATURE_SPECS
from crpbot.features.compute import compute_features
from crpbot.features.scale_free import model_feature_names, model_features


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
