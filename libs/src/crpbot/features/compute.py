"""Compute the whole feature catalog on a candle frame in one vectorised pass.

Each indicator runs once over the full series (never once per bar), so 5000 bars take a few
tens of milliseconds. Every feature at bar t depends only on bars up to t; the unit tests prove
it column by column by comparing a prefix's features with the full series'.
"""

from __future__ import annotations

import logging

import pandas as pd

from crpbot.candles.source import CANDLE_COLUMNS
from crpbot.candles.validate import validate_candles
from crpbot.features.catalog import feature_names
from crpbot.features.indicators import indicator_columns

logger = logging.getLogger(__name__)


def compute_features(candles: pd.DataFrame) -> pd.DataFrame:
    """One float64 column per catalog feature, on the candles' own index.

    Row t uses bar t's close, so it is known once bar t has closed (index = open time + one
    bar), which is when a scanner acts on it. Leading rows are NaN while an indicator's
    window fills; a series shorter than a window gives an all-NaN column rather than a
    missing one, so the columns are always the same.
    Raises `CandleValidationError` for frames that break the candle convention: indicators on
    unsorted or duplicated bars would silently read the future.
    """
    validate_candles(candles, source="candles for features")
    ohlcv = candles.loc[:, list(CANDLE_COLUMNS)].astype("float64")
    parts = [
        part.to_frame() if isinstance(part, pd.Series) else part
        for part in indicator_columns(ohlcv)
    ]
    raw = pd.concat(parts, axis=1) if parts else pd.DataFrame(index=ohlcv.index)
    names = feature_names()
    unexpected = sorted(set(raw.columns) - set(names))
    if unexpected:
        raise RuntimeError(f"indicators produced columns missing from the catalog: {unexpected}")
    features = raw.reindex(columns=names).astype("float64")
    features.index = candles.index
    logger.debug(
        "features computed", extra={"rows": len(features), "columns": len(features.columns)}
    )
    return features
