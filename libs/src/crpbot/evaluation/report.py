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
from crpbot.evaluation.evaluate import COMPARED_MODEL, EvaluationResult, EvaluationSettings
from crpbot.evaluation.paired import PAIRED_METRICS
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


def _better(metric: str, low: float, high: float) -> str:
    """Which side the whole interval lies on: model better, baseline better, or unclear."""
    sign = 1.0 if metric == "accuracy" else -1.0
    if sign * low > 0 and sign * high > 0:
        return "model"
    if sign * low < 0 and sign * high < 0:
        return "baseline"
    return "neither"


def paired_table(result: EvaluationResult) -> str:
    """Markdown: model minus each baseline, per metric, with the interval and who is better."""
    heads = " | ".join(f"Δ {m}" for m in PAIRED_METRICS)
    lines = [
        f"| baseline | {heads} | better (per metric) |",
        "|---|" + "---|" * (len(PAIRED_METRICS) + 1),
    ]
    for baseline, diffs in result.paired.items():
        cells = [_cell(d.value, d.low, d.high) for d in (diffs[m] for m in PAIRED_METRICS)]
        better = ", ".join(_better(m, diffs[m].low, diffs[m].high) for m in PAIRED_METRICS)
        lines.append(f"| {baseline} | " + " | ".join(cells) + f" | {better} |")
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

## {COMPARED_MODEL} minus each baseline (paired)

Differences taken on each of the same {settings.n_boot} bootstrap resamples, so the interval
is the one to read (two overlapping intervals above do not say the difference is unclear, nor
do separate ones say it is clear). Lower is better for log loss and Brier, higher for
accuracy; "better" names the side the whole {settings.level:.0%} interval lies on.

{paired_table(result)}
"""
    path = out / REPORT_MD
    path.write_text(text)
    return path
