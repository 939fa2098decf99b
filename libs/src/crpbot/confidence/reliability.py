"""Expected calibration error and the reliability diagram.

ECE uses equal-width bins over [0, 1] (10 by default): the sample-weighted mean gap between
each bin's mean predicted probability and its observed frequency of "up". Empty bins count
for nothing. The diagram of these curves is drawn in `crpbot.reports.plots`: the numbers stay
pure, the pictures live with the reports that write them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ReliabilityCurve:
    """Per non-empty bin: mean predicted probability, observed frequency and sample count."""

    predicted: FloatArray
    observed: FloatArray
    counts: npt.NDArray[np.int64]


def reliability_curve(p: FloatArray, y: FloatArray, n_bins: int = 10) -> ReliabilityCurve:
    """Bin predictions into equal-width bins and compare them with outcomes."""
    probs = np.asarray(p, dtype=np.float64)
    bins = np.clip((probs * n_bins).astype(np.int64), 0, n_bins - 1)
    counts = np.bincount(bins, minlength=n_bins)
    sum_p = np.bincount(bins, weights=probs, minlength=n_bins)
    sum_y = np.bincount(bins, weights=np.asarray(y, dtype=np.float64), minlength=n_bins)
    keep = counts > 0
    return ReliabilityCurve(
        predicted=sum_p[keep] / counts[keep],
        observed=sum_y[keep] / counts[keep],
        counts=counts[keep].astype(np.int64),
    )


def expected_calibration_error(p: FloatArray, y: FloatArray, n_bins: int = 10) -> float:
    """Sample-weighted mean |mean predicted - observed frequency| over the bins."""
    curve = reliability_curve(p, y, n_bins)
    total = curve.counts.sum()
    if total == 0:
        return float("nan")
    return float(np.sum(curve.counts * np.abs(curve.predicted - curve.observed)) / total)
