"""Scale-free versions of the features, for models trained across symbols and years.

A 50-bar SMA of 1.08 (EUR/USD) and of 43000 (BTC/USD) say the same thing only relative to the
close, so a model fed raw pandas-ta columns would learn price levels instead of patterns. The
raw catalog stays as it is (pandas-ta's columns, for people and reports); models take these.
Every transform uses the same bar's close or a trailing window, so causality carries over.

Training rescales `compute_features` (pandas-ta); a scanner rescales `tail_matrix` (TA-Lib on
arrays, newest rows only) with the same `rescale_matrix`, so the transform has one definition.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from crpbot.features.catalog import FEATURE_SPECS, FeatureSpec

OBV_WINDOW = 20


def model_feature_name(spec: FeatureSpec) -> str:
    """A level-dependent feature gets a `_rel` suffix once rescaled; unitless ones keep theirs."""
    return spec.name if spec.scale == "unitless" else f"{spec.name}_rel"


def model_feature_names() -> list[str]:
    """Column names of `model_features`, in catalog order."""
    return [model_feature_name(spec) for spec in FEATURE_SPECS]


def model_features(candles: pd.DataFrame) -> pd.DataFrame:
    """The catalog with level-dependent columns rescaled; same index and order as the catalog.

    - price (moving averages, bands, VWAP): feature / close - 1, the distance from price
      (not a log: a lower band can go below zero after a violent bar);
    - price distance (ATR, MACD): feature / close;
    - running volume (OBV): its change over the last 20 bars divided by the volume traded in
      them, so -1..1 however far back the series starts.
    """
    from crpbot.features.compute import compute_features  # pandas-ta: only when training

    return rescale(compute_features(candles), candles)


def rescale(features: pd.DataFrame, candles: pd.DataFrame) -> pd.DataFrame:
    """Apply the scale-free transforms to already computed catalog features."""
    matrix = features.loc[:, [spec.name for spec in FEATURE_SPECS]].to_numpy(dtype=np.float64)
    close = candles["close"].to_numpy(dtype=np.float64)
    volume = candles["volume"].to_numpy(dtype=np.float64)
    return pd.DataFrame(
        rescale_matrix(matrix, close, volume), index=features.index, columns=model_feature_names()
    )


def rescale_matrix(
    matrix: npt.NDArray[np.float64], close: npt.NDArray[np.float64], volume: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """`rescale` on arrays: catalog columns in catalog order, one row per bar of `close`.

    Element-wise arithmetic runs on the numpy arrays, all columns of a scale at once (the
    same float64 operation per element that pandas would run, without ~1 ms of per-Series
    overhead for each of the ~50 columns); the OBV's rolling volume sum stays pandas' own.
    """
    out = np.array(matrix, dtype=np.float64)
    per_bar = np.asarray(close, dtype=np.float64)[:, np.newaxis]
    out[:, _PRICE] = matrix[:, _PRICE] / per_bar - 1.0
    out[:, _PRICE_DIFF] = matrix[:, _PRICE_DIFF] / per_bar
    if len(_CUMULATIVE):
        traded = pd.Series(volume).rolling(OBV_WINDOW).sum().to_numpy()
        change = np.full((len(matrix), len(_CUMULATIVE)), np.nan)
        change[OBV_WINDOW:] = matrix[OBV_WINDOW:, _CUMULATIVE] - matrix[:-OBV_WINDOW, _CUMULATIVE]
        with np.errstate(divide="ignore", invalid="ignore"):  # idle windows: as pandas does
            out[:, _CUMULATIVE] = change / traded[:, np.newaxis]
    return out


def _positions(scale: str) -> npt.NDArray[np.intp]:
    return np.array([i for i, spec in enumerate(FEATURE_SPECS) if spec.scale == scale], np.intp)


_PRICE = _positions("price")
_PRICE_DIFF = _positions("price_diff")
_CUMULATIVE = _positions("cumulative_volume")
