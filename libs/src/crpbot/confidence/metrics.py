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
from scipy.stats import rankdata
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


@dataclass(frozen=True, kw_only=True)
class BootstrapSettings:
    """Resamples, interval level and seed of a moving-block bootstrap; each user adds its
    block length in its own unit (samples, days), positionally first."""

    n_boot: int = 1000
    level: float = 0.95
    seed: int = 0

    def __post_init__(self) -> None:
        if self.n_boot < 1:
            raise ValueError("n_boot must be at least 1")
        if not 0 < self.level < 1:
            raise ValueError("level must be in (0, 1)")


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


def resampled_metrics(
    p: FloatArray, y: FloatArray, rows: npt.NDArray[np.int64], n_bins: int = 10
) -> npt.NDArray[np.float64]:
    """[len(rows), len(METRICS)]: every metric on every resample at once.

    Vectorised over resamples (scikit-learn per resample is ~100x slower); the unit tests pin
    each column to scikit-learn's value on the same resample.
    """
    probs = np.clip(np.asarray(p, dtype=np.float64), _EPS, 1 - _EPS)[rows]
    truth = np.asarray(y, dtype=np.float64)[rows]
    hit = (probs >= 0.5) == (truth == 1.0)
    positives, negatives = truth.sum(axis=1), (1 - truth).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        recall_up = (hit & (truth == 1.0)).sum(axis=1) / positives
        recall_down = (hit & (truth == 0.0)).sum(axis=1) / negatives
        balanced = np.where(
            (positives > 0) & (negatives > 0),
            (recall_up + recall_down) / 2,
            np.nan_to_num(recall_up, nan=0.0) + np.nan_to_num(recall_down, nan=0.0),
        )
        ranks = rankdata(probs, axis=1)
        auc = ((ranks * truth).sum(axis=1) - positives * (positives + 1) / 2) / (
            positives * negatives
        )
    loss = -(truth * np.log(probs) + (1 - truth) * np.log(1 - probs)).mean(axis=1)
    return np.column_stack(
        [
            hit.mean(axis=1),
            balanced,
            np.where((positives > 0) & (negatives > 0), auc, np.nan),
            ((probs - truth) ** 2).mean(axis=1),
            loss,
            _resampled_ece(probs, truth, n_bins),
        ]
    )


def _resampled_ece(probs: FloatArray, truth: FloatArray, n_bins: int) -> FloatArray:
    boots, n = probs.shape
    bins = np.clip((probs * n_bins).astype(np.int64), 0, n_bins - 1)
    flat = (bins + n_bins * np.arange(boots)[:, None]).ravel()
    size = boots * n_bins
    sum_p = np.bincount(flat, weights=probs.ravel(), minlength=size).reshape(boots, n_bins)
    sum_y = np.bincount(flat, weights=truth.ravel(), minlength=size).reshape(boots, n_bins)
    return np.asarray(np.abs(sum_p - sum_y).sum(axis=1) / n)


def bootstrap_metrics(
    p: FloatArray,
    y: FloatArray,
    *,
    block: int = 48,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, MetricEstimate]:
    """Point metrics with percentile intervals from a moving-block bootstrap."""
    probs, truth = np.asarray(p, dtype=np.float64), np.asarray(y, dtype=np.float64)
    point = point_metrics(probs, truth)
    draws = resampled_metrics(probs, truth, block_indices(probs.size, block, n_boot, seed))
    tail = (1 - level) / 2 * 100
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        low = np.nanpercentile(draws, tail, axis=0)
        high = np.nanpercentile(draws, 100 - tail, axis=0)
    return {
        m: MetricEstimate(point[m], float(low[i]), float(high[i])) for i, m in enumerate(METRICS)
    }
