"""`crpbot evaluate` as a function: a trained artifact and its data in, a report out.

The folds are rebuilt from the data and the stored split settings and checked against the
stored predictions, and the data hash must match the one recorded at training, so the
baselines are fitted on exactly the samples the models had. The test-slice predictions are
also written as a signal table, so `crpbot backtest` can replay what the model would have
signalled out of sample.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from crpbot.confidence.metrics import MetricEstimate
from crpbot.evaluation.evaluate import (
    EvaluationResult,
    EvaluationSettings,
    evaluate_predictions,
    test_rows,
)
from crpbot.evaluation.report import ReportContext, write_report
from crpbot.models.dataset import ATR_FEATURE, WindowSet, samples_from_candles
from crpbot.models.metadata import ArtifactMetadata, candles_hash
from crpbot.models.splits import walk_forward_splits
from crpbot.models.versions import ArtifactError, read_metadata, read_predictions
from crpbot.signals.from_models import SignalRules, signals_from_predictions

SIGNALS_CSV = "signals.csv"


@dataclass(frozen=True)
class EvaluationSummary:
    """Where the report went and the headline figures."""

    model_version: str
    report: Path
    signals: Path
    signal_count: int
    n_test: int
    metrics: dict[str, dict[str, MetricEstimate]]
    paired: dict[str, dict[str, MetricEstimate]]


def _oos_signals(
    test: pd.DataFrame, samples: WindowSet, candles: pd.DataFrame, meta: ArtifactMetadata
) -> pd.DataFrame:
    close = candles["close"].to_numpy(dtype=np.float64)
    ends = test["end"].to_numpy(dtype=np.int64)
    positions = np.searchsorted(samples.ends, ends)
    atr_column = samples.feature_names.index(ATR_FEATURE)
    atr = samples.x[positions, -1, atr_column].astype(np.float64) * close[ends]
    return signals_from_predictions(
        pd.DatetimeIndex(test["ts"]),
        close[ends],
        atr,
        test["p_cal"].to_numpy(dtype=np.float64),
        meta.data.symbol,
        SignalRules(expiry_bars=meta.horizon),
        bars=pd.DatetimeIndex(candles.index),
    )


def evaluate_artifact(
    candles: pd.DataFrame,
    folder: Path,
    out: Path,
    settings: EvaluationSettings,
    command: str,
) -> tuple[EvaluationSummary, EvaluationResult]:
    """Rebuild samples and folds, score everything, write report.md, plots and signals.csv."""
    meta = read_metadata(folder)
    if candles_hash(candles) != meta.data.sha256:
        raise ArtifactError(
            f"data differs from what model {meta.model_version} was trained on ({meta.data.source})"
        )
    samples = samples_from_candles(candles, meta.window, meta.horizon)
    folds = walk_forward_splits(samples.ends, meta.splits)
    predictions = read_predictions(folder)
    close = candles["close"].to_numpy(dtype=np.float64)
    result = evaluate_predictions(predictions, samples, folds, close, meta.horizon, settings)
    out.mkdir(parents=True, exist_ok=True)
    context = ReportContext(
        model_version=meta.model_version,
        data=(
            f"{meta.data.source} ({meta.data.rows} bars {meta.data.first_ts}..{meta.data.last_ts})"
        ),
        window=meta.window,
        horizon=meta.horizon,
        folds=len(folds),
        calibration_methods=tuple(span.calibration_method for span in meta.folds),
        command=command,
    )
    report = write_report(result, context, settings, out)
    signals = _oos_signals(test_rows(predictions, samples, folds), samples, candles, meta)
    signals.to_csv(out / SIGNALS_CSV, index=False)
    summary = EvaluationSummary(
        model_version=meta.model_version,
        report=report,
        signals=out / SIGNALS_CSV,
        signal_count=len(signals),
        n_test=result.n_test,
        metrics=result.metrics,
        paired=result.paired,
    )
    return summary, result
