"""Model minus baseline on the same bootstrap resamples: a paired difference with an interval.

Two overlapping intervals say little about which source is better: their errors are strongly
correlated (same samples, same hard stretches), so the difference can be clear while the
intervals overlap, or vice versa. Scoring both sources on each moving-block resample and
taking the per-resample difference keeps that correlation; the percentile interval of those
differences is the one to read. Negative is better for log loss and Brier, positive for
accuracy.
"""

from __future__ import annotations

import warnings

import numpy as np
import numpy.typing as npt

from crpbot.confidence.metrics import METRICS, MetricEstimate, point_metrics, resampled_metrics

FloatArray = npt.NDArray[np.float64]
PAIRED_METRICS: tuple[str, ...] = ("log_loss", "brier", "accuracy")


def paired_differences(
    p_model: FloatArray,
    p_baseline: FloatArray,
    y: FloatArray,
    rows: npt.NDArray[np.int64],
    level: float = 0.95,
) -> dict[str, MetricEstimate]:
    """Model − baseline for each PAIRED_METRICS metric on the resamples `rows` [n_boot, n]."""
    ours, theirs = point_metrics(p_model, y), point_metrics(p_baseline, y)
    draws = resampled_metrics(p_model, y, rows) - resampled_metrics(p_baseline, y, rows)
    tail = (1 - level) / 2 * 100
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        low = np.nanpercentile(draws, tail, axis=0)
        high = np.nanpercentile(draws, 100 - tail, axis=0)
    column = {metric: i for i, metric in enumerate(METRICS)}
    return {
        m: MetricEstimate(ours[m] - theirs[m], float(low[column[m]]), float(high[column[m]]))
        for m in PAIRED_METRICS
    }
