"""The evaluation report: a markdown file with a metric table (with intervals) and plots.

Figures are written as they come out, good or bad; the report also states how intervals were
computed and which rows count as out-of-sample, so a reader can judge the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from crpbot.confidence.metrics import METRICS
from crpbot.confidence.reliability import reliability_curve
from crpbot.evaluation.evaluate import EvaluationResult, EvaluationSettings
from crpbot.reports.plots import plot_metrics, plot_reliability

RELIABILITY_PNG = "reliability.png"
METRICS_PNG = "metrics.png"
REPORT_MD = "report.md"


@dataclass(frozen=True)
class ReportContext:
    """What the report says about where the numbers came from."""

    model_version: str
    data: str
    window: int
    horizon: int
    folds: int
    calibration_methods: tuple[str, ...]
    command: str


def _cell(value: float, low: float, high: float) -> str:
    if np.isnan(value):
        return "n/a"
    return f"{value:.3f} [{low:.3f}, {high:.3f}]"


def metric_table(result: EvaluationResult) -> str:
    """Markdown table: one row per source, one column per metric, 'value [low, high]'."""
    lines = [
        "| source | " + " | ".join(METRICS) + " |",
        "|---|" + "---|" * len(METRICS),
    ]
    for source, estimates in result.metrics.items():
        cells = [_cell(e.value, e.low, e.high) for e in (estimates[m] for m in METRICS)]
        lines.append(f"| {source} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_report(
    result: EvaluationResult, context: ReportContext, settings: EvaluationSettings, out: Path
) -> Path:
    """Write report.md and its two PNGs into `out`; returns the markdown path."""
    before = result.probabilities["model score (uncalibrated)"]
    after = result.probabilities["model (calibrated)"]
    plot_reliability(
        {
            "score before calibration": reliability_curve(before, result.outcomes),
            "after calibration": reliability_curve(after, result.outcomes),
            "logistic baseline": reliability_curve(
                result.probabilities["logistic"], result.outcomes
            ),
        },
        out / RELIABILITY_PNG,
        title="Reliability on held-out test slices",
    )
    plot_metrics(result, out / METRICS_PNG)
    ece_before = result.metrics["model score (uncalibrated)"]["ece"]
    ece_after = result.metrics["model (calibrated)"]["ece"]
    text = f"""# Walk-forward evaluation: model {context.model_version}

Produced by `{context.command}` on {context.data}.

- Window {context.window} bars, horizon {context.horizon} bars, {context.folds} walk-forward
  folds; {result.n_test} out-of-sample test samples (share of "up": {result.up_rate:.3f}).
- Test samples follow a purge gap of window + horizon bars after both the fold's training
  data and its calibration slice; baselines are fitted on the same folds' training samples.
- Intervals: {settings.level:.0%} percentile intervals from a moving-block bootstrap
  (block {settings.block} samples, {settings.n_boot} resamples, the same resamples for
  every source).
- Calibration chosen per fold by held-out log loss: {", ".join(context.calibration_methods)}.

## Calibration on held-out data

ECE before calibration: {_cell(ece_before.value, ece_before.low, ece_before.high)};
after: {_cell(ece_after.value, ece_after.low, ece_after.high)}.

![reliability]({RELIABILITY_PNG})

## Metrics (value [low, high])

{metric_table(result)}

![metrics]({METRICS_PNG})
"""
    path = out / REPORT_MD
    path.write_text(text)
    return path
