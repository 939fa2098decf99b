"""Score candles with a trained artifact: what a scanner (or a replay) asks the models.

Candles -> scale-free features -> windows (the newest bars included, they have no target yet)
-> backend predictions -> ensemble score -> the artifact's calibrator -> P(up). The ATR at each
bar is returned too, because stops and targets are set in ATR multiples.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from crpbot.confidence.ensemble import ensemble_score
from crpbot.features.scale_free import OBV_WINDOW, model_feature_names, rescale_matrix
from crpbot.models.backend import InferenceBackend
from crpbot.models.dataset import ATR_FEATURE, build_windows
from crpbot.models.metadata import ArtifactMetadata

SCORE_COLUMNS = ("close", "atr", "p_up", "strength", "score", "p_cal")


def score_candles(
    candles: pd.DataFrame, backend: InferenceBackend, metadata: ArtifactMetadata
) -> pd.DataFrame:
    """One row per bar with a complete window, indexed by bar time, SCORE_COLUMNS."""
    from crpbot.features.scale_free import model_features

    close = candles["close"].astype("float64")
    samples = build_windows(
        model_features(candles), close, metadata.window, metadata.horizon, require_targets=False
    )
    predictions = backend.predict(samples.x, samples.feature_names)
    score = ensemble_score(predictions.p_up, predictions.strength, metadata.strength_ref)
    close_at = close.to_numpy()[samples.ends]
    atr_rel = samples.x[:, -1, samples.feature_names.index(ATR_FEATURE)].astype(np.float64)
    return pd.DataFrame(
        {
            "close": close_at,
            "atr": atr_rel * close_at,
            "p_up": predictions.p_up,
            "strength": predictions.strength,
            "score": score,
            "p_cal": metadata.calibrator.apply(score),
        },
        index=samples.ts,
    )


@dataclass(frozen=True)
class NewestWindow:
    """The model input ending at a frame's newest bar, with what scoring it needs besides."""

    ts: pd.Timestamp
    x: npt.NDArray[np.float32]
    close: float
    atr_rel: float


def newest_window(
    candles: pd.DataFrame, metadata: ArtifactMetadata, features: pd.DataFrame | None = None
) -> NewestWindow | None:
    """The window `score_candles` would score at the newest bar, or None when that bar has no
    complete window (too little history, or a gap in the last `window` bars).

    A scanner needs only this one window per symbol: building all the others and running
    the models on them cost ~90 % of the old per-symbol score, and computing every bar's
    features with pandas-ta most of the rest. So only the newest rows' features are computed
    (`tail_matrix`: TA-Lib on arrays, tested equal to `model_features`) unless `features`,
    the candles' `model_features`, were computed already.
    """
    window = metadata.window
    if features is None:
        names = tuple(model_feature_names())
        matrix = _newest_model_rows(candles, window + OBV_WINDOW)
    else:
        names = tuple(str(c) for c in features.columns)
        matrix = features.to_numpy(dtype=np.float64)
    if len(matrix) < window:
        return None
    tail = matrix[-window:]
    if np.isnan(tail).any():
        return None
    x = np.ascontiguousarray(tail, dtype=np.float32)
    return NewestWindow(
        ts=pd.Timestamp(candles.index[-1]),
        x=x,
        close=float(candles["close"].to_numpy(dtype=np.float64)[-1]),
        atr_rel=float(np.float64(x[-1, names.index(ATR_FEATURE)])),
    )


def _newest_model_rows(candles: pd.DataFrame, rows: int) -> npt.NDArray[np.float64]:
    """`model_features(candles)`'s last `rows` rows (the first OBV_WINDOW of them lack the
    OBV's trailing window, as they would in a frame that starts there)."""
    from crpbot.features.arrays import tail_matrix

    close = candles["close"].to_numpy(dtype=np.float64)[-rows:]
    volume = candles["volume"].to_numpy(dtype=np.float64)[-rows:]
    return rescale_matrix(tail_matrix(candles, rows), close, volume)


def score_windows(
    windows: Sequence[NewestWindow],
    feature_names: Sequence[str],
    backend: InferenceBackend,
    metadata: ArtifactMetadata,
) -> pd.DataFrame:
    """Score many symbols' newest windows in ONE backend call: one row per window, in order,
    SCORE_COLUMNS with the values `score_candles` gives for the same bar."""
    if not windows:
        return pd.DataFrame(columns=list(SCORE_COLUMNS), dtype="float64")
    batch = np.stack([w.x for w in windows])
    predictions = backend.predict(batch, feature_names)
    score = ensemble_score(predictions.p_up, predictions.strength, metadata.strength_ref)
    close = np.array([w.close for w in windows], dtype=np.float64)
    atr_rel = np.array([w.atr_rel for w in windows], dtype=np.float64)
    return pd.DataFrame(
        {
            "close": close,
            "atr": atr_rel * close,
            "p_up": predictions.p_up,
            "strength": predictions.strength,
            "score": score,
            "p_cal": metadata.calibrator.apply(score),
        }
    )
