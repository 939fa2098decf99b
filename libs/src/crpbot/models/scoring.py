"""Score candles with a trained artifact: what a scanner (or a replay) asks the models.

Candles -> scale-free features -> windows (the newest bars included, they have no target yet)
-> backend predictions -> ensemble score -> the artifact's calibrator -> P(up). The ATR at each
bar is returned too, because stops and targets are set in ATR multiples.
"""

from __future__ import annotations

import numpy as np
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
