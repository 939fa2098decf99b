"""Combine P(up) from the LSTM and trend strength from the Transformer into one score.

score = 0.5 + (P(up) - 0.5) * w,  w = strength / (strength + strength_ref)

The LSTM says which way; the Transformer says whether the coming move is worth anything. A
confident direction on a move expected to be tiny (strength << strength_ref ATRs) is pulled
toward 0.5, a coin flip, because such a signal cannot clear fees and a stop. The score stays in
[0, 1] and is monotone in P(up) for a fixed strength, so calibration (identity, Platt or
isotonic) turns it into a probability of "up" afterwards; `strength_ref` is the median training
strength by default, so w = 0.5 on a typical bar.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def ensemble_score(p_up: FloatArray, strength: FloatArray, strength_ref: float) -> FloatArray:
    """The combined score per sample, in [0, 1]; 0.5 means no view."""
    if strength_ref <= 0:
        raise ValueError("strength_ref must be positive")
    s = np.clip(np.asarray(strength, dtype=np.float64), 0.0, None)
    weight = s / (s + strength_ref)
    return np.asarray(0.5 + (np.asarray(p_up, dtype=np.float64) - 0.5) * weight)


def side_confidence(p_up: FloatArray) -> tuple[npt.NDArray[np.str_], FloatArray]:
    """The side a calibrated P(up) favours and the probability that side is right."""
    p = np.asarray(p_up, dtype=np.float64)
    side = np.where(p >= 0.5, "long", "short")
    return side, np.maximum(p, 1.0 - p)
