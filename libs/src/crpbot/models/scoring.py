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
    the models on them cost ~90 % of the old per-symbol score. `features` are the candles'
    `model_features` when the caller computed them already.
    """
    from crpbot.features.scale_free import model_features

    frame = model_features(candles) if features is None else features
    window = metadata.window
    if len(frame) < window:
        return None
    tail = frame.iloc[-window:].to_numpy(dtype=np.float64)
    if np.isnan(tail).any():
        return None
    x = np.ascontiguousarray(tail, dtype=np.float32)
    names = tuple(str(c) for c in frame.columns)
    return NewestWindow(
        ts=pd.Timestamp(frame.index[-1]),
        x=x,
        close=float(candles["close"].astype("float64").to_numpy()[-1]),
        atr_rel=float(np.float64(x[-1, names.index(ATR_FEATURE)])),
    )


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
