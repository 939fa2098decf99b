"""Classification metrics for P(up) predictions, with moving-block bootstrap intervals.

Samples are overlapping windows with h-bar targets, so neighbours are correlated and an
i.i.d. bootstrap would draw intervals too narrow. A moving-block bootstrap resamples runs of
`block` consecutive test samples (default 48 bars, well above window + horizon of the default
models' target overlap) and keeps that dependence; intervals are percentile intervals.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    brier_score_loss,
    log_loss,
    roc_auc_score,
)

from crpbot.confidence.reliability import expected_calibration_error

FloatArray = npt.NDArray[np.float64]
METRICS: tuple[str, ...] = ("accuracy", "balanced_accuracy", "auc", "brier", "log_loss", "ece")
LOWER_IS_BETTER = frozenset({"brier", "log_loss", "ece"})
_EPS = 1e-6


@dataclass(frozen=True)
class MetricEstimate:
    """A point value and its bootstrap percentile interval."""

    value: float
    low: float
    high: float


def point_metrics(p: FloatArray, y: FloatArray) -> dict[str, float]:
    """All METRICS for probabilities `p` of outcome 1; AUC is NaN when one class is absent."""
    probs = np.clip(np.asarray(p, dtype=np.float64), _EPS, 1 - _EPS)
    truth = np.asarray(y, dtype=np.int64)
    predicted = (probs >= 0.5).astype(np.int64)
    two_classes = np.unique(truth).size == 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "accuracy": float(accuracy_score(truth, predicted)),
            "balanced_accuracy": float(balanced_accuracy_score(truth, predicted)),
            "auc": float(roc_auc_score(truth, probs)) if two_classes else float("nan"),
            "brier": float(brier_score_loss(truth, probs)),
            "log_loss": float(log_loss(truth, probs, labels=[0, 1])),
            "ece": expected_calibration_error(probs, truth.astype(np.float64)),
        }


def block_indices(n: int, block: int, n_boot: int, seed: int) -> npt.NDArray[np.int64]:
    """[n_boot, n] resample positions built from random runs of `block` consecutive samples."""
    if n < 1:
        raise ValueError("cannot bootstrap zero samples")
    length = max(1, min(block, n))
    blocks = -(-n // length)
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, n - length + 1, size=(n_boot, blocks))
    runs = starts[:, :, None] + np.arange(length)[None, None, :]
    return runs.reshape(n_boot, -1)[:, :n].astype(np.int64)


def bootstrap_metrics(
    p: FloatArray,
    y: FloatArray,
    *,
    block: int = 48,
    n_boot: int = 300,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, MetricEstimate]:
    """Point metrics with percentile intervals from a moving-block bootstrap."""
    probs, truth = np.asarray(p, dtype=np.float64), np.asarray(y, dtype=np.float64)
    point = point_metrics(probs, truth)
    draws = np.array(
        [
            [point_metrics(probs[rows], truth[rows])[m] for m in METRICS]
            for rows in block_indices(probs.size, block, n_boot, seed)
        ]
    )
    tail = (1 - level) / 2 * 100
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        low = np.nanpercentile(draws, tail, axis=0)
        high = np.nanpercentile(draws, 100 - tail, axis=0)
    return {
        m: MetricEstimate(point[m], float(low[i]), float(high[i])) for i, m in enumerate(METRICS)
    }
