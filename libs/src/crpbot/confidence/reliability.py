"""Expected calibration error and the reliability diagram.

ECE uses equal-width bins over [0, 1] (10 by default): the sample-weighted mean gap between
each bin's mean predicted probability and its observed frequency of "up". Empty bins count
for nothing. The diagram plots those bin points against the diagonal, one line per
probability source, and is written with matplotlib's Agg backend (no display needed).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
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


def plot_reliability(
    curves: dict[str, ReliabilityCurve], path: Path, title: str = "Reliability"
) -> Path:
    """Write the diagram as a PNG; marker size follows each bin's sample count."""
    fig, ax = plt.subplots(figsize=(5.5, 5.0))
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="perfect")
    for label, curve in curves.items():
        sizes = 10 + 200 * curve.counts / max(int(curve.counts.max(initial=1)), 1)
        (line,) = ax.plot(curve.predicted, curve.observed, linewidth=1.2, label=label)
        ax.scatter(curve.predicted, curve.observed, s=sizes, alpha=0.6, color=line.get_color())
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="predicted P(up)", ylabel="observed frequency")
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize=8)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path
