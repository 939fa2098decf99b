"""The report charts (reliability diagram, evaluation metrics, equity and drawdown) as PNGs.

Figures are bare `Figure` objects on the Agg canvas, never pyplot: no display is needed in CI
or containers, and no global backend is switched for the program that imports this module.
The numbers behind each chart are computed in the domain; this module only draws them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

if TYPE_CHECKING:
    from crpbot.confidence.reliability import ReliabilityCurve
    from crpbot.evaluation.evaluate import EvaluationResult


def _save(fig: Figure, path: Path, dpi: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    return path


def plot_reliability(
    curves: dict[str, ReliabilityCurve], path: Path, title: str = "Reliability"
) -> Path:
    """Write the diagram as a PNG; marker size follows each bin's sample count."""
    fig = Figure(figsize=(5.5, 5.0))
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="perfect")
    for label, curve in curves.items():
        sizes = 10 + 200 * curve.counts / max(int(curve.counts.max(initial=1)), 1)
        (line,) = ax.plot(curve.predicted, curve.observed, linewidth=1.2, label=label)
        ax.scatter(curve.predicted, curve.observed, s=sizes, alpha=0.6, color=line.get_color())
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="predicted P(up)", ylabel="observed frequency")
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize=8)
    return _save(fig, path, dpi=110)


def plot_metrics(result: EvaluationResult, path: Path) -> Path:
    """AUC and log loss per source with their intervals, side by side."""
    fig = Figure(figsize=(11, 4))
    axes = fig.subplots(1, 2)
    names = list(result.metrics)
    for ax, metric in zip(axes, ("auc", "log_loss"), strict=True):
        values = np.array([result.metrics[n][metric].value for n in names])
        low = np.array([result.metrics[n][metric].low for n in names])
        high = np.array([result.metrics[n][metric].high for n in names])
        errors = np.vstack([np.clip(values - low, 0, None), np.clip(high - values, 0, None)])
        ax.barh(names, values, xerr=errors, color="steelblue", alpha=0.8)
        ax.set_title(metric)
        ax.invert_yaxis()
    axes[0].axvline(0.5, color="grey", linestyle="--", linewidth=1)
    axes[1].axvline(np.log(2), color="grey", linestyle="--", linewidth=1)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    return path


def plot_series(values: pd.Series, label: str, path: Path) -> Path:
    """One time series over the replay (equity, drawdown) as a wide line chart."""
    fig = Figure(figsize=(10, 4))
    ax = fig.subplots()
    ax.plot(values.index, values.to_numpy(), linewidth=0.8)
    ax.set_ylabel(label)
    ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return path
