"""Score the walk-forward test predictions and the baselines on the very same folds.

Only `part == "test"` rows count: they come after a purge gap from both the fold's training
data and its calibration slice. Every source is bootstrapped with the same resample indices,
and the model's difference from each baseline is taken resample by resample (`paired`), so
"better than the baseline" is read from one interval, not from two overlapping ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from crpbot.confidence.metrics import (
    BootstrapSettings,
    MetricEstimate,
    block_indices,
    bootstrap_metrics,
)
from crpbot.evaluation.baselines import BASELINES, baseline_probabilities
from crpbot.evaluation.paired import paired_differences
from crpbot.models.dataset import WindowSet
from crpbot.models.splits import Fold

FloatArray = npt.NDArray[np.float64]
MODEL_SOURCES: dict[str, str] = {
    "model (calibrated)": "p_cal",
    "model score (uncalibrated)": "score",
    "LSTM P(up) (uncalibrated)": "p_up",
}
COMPARED_MODEL = "model (calibrated)"
"""The model output compared with each baseline pairwise: the one signals are made from."""


class FoldMismatchError(ValueError):
    """The stored predictions were not made on the folds rebuilt from the data."""


@dataclass(frozen=True)
class EvaluationSettings(BootstrapSettings):
    """The bootstrap's resamples, level and seed, with its block length in samples."""

    block: int = 48


@dataclass(frozen=True)
class EvaluationResult:
    """Metrics per source over all test slices, the model minus each baseline on the same
    resamples (`paired[baseline][metric]`), and the raw pairs the plots need."""

    n_test: int
    up_rate: float
    metrics: dict[str, dict[str, MetricEstimate]]
    paired: dict[str, dict[str, MetricEstimate]]
    outcomes: FloatArray
    probabilities: dict[str, FloatArray]


def test_rows(predictions: pd.DataFrame, samples: WindowSet, folds: list[Fold]) -> pd.DataFrame:
    """Test predictions in time order, after checking they sit on the rebuilt folds."""
    test = predictions[predictions["part"] == "test"].sort_values("end", kind="stable")
    for fold in folds:
        stored = test.loc[test["fold"] == fold.number, "end"].to_numpy(dtype=np.int64)
        if not np.array_equal(stored, samples.ends[fold.test]):
            raise FoldMismatchError(
                f"fold {fold.number}: stored predictions do not match the folds rebuilt from "
                "the data (different data or settings?)"
            )
    return test.reset_index(drop=True)


def evaluate_predictions(
    predictions: pd.DataFrame,
    samples: WindowSet,
    folds: list[Fold],
    close: FloatArray,
    horizon: int,
    settings: EvaluationSettings,
) -> EvaluationResult:
    """Bootstrapped metrics of the model outputs and of every baseline, fold by fold."""
    test = test_rows(predictions, samples, folds)
    per_fold = [
        baseline_probabilities(samples, fold, close, horizon, settings.seed) for fold in folds
    ]
    probabilities: dict[str, FloatArray] = {
        name: np.asarray(test[column], dtype=np.float64) for name, column in MODEL_SOURCES.items()
    }
    for name in BASELINES:
        probabilities[name] = np.concatenate([fold_probs[name] for fold_probs in per_fold])
    outcomes = test["direction"].to_numpy(np.float64)
    metrics = {
        name: bootstrap_metrics(
            p,
            outcomes,
            block=settings.block,
            n_boot=settings.n_boot,
            seed=settings.seed,
            level=settings.level,
        )
        for name, p in probabilities.items()
    }
    rows = block_indices(outcomes.size, settings.block, settings.n_boot, settings.seed)
    paired = {
        name: paired_differences(
            probabilities[COMPARED_MODEL], probabilities[name], outcomes, rows, settings.level
        )
        for name in BASELINES
    }
    return EvaluationResult(
        n_test=int(outcomes.size),
        up_rate=float(outcomes.mean()) if outcomes.size else float("nan"),
        metrics=metrics,
        paired=paired,
        outcomes=outcomes,
        probabilities=probabilities,
    )
