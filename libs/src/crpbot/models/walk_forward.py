"""Train, calibrate and predict fold by fold; collect every out-of-sample prediction.

Per fold: both models train on the fold's training samples (early stopping inside them), the
ensemble score is calibrated on the calibration slice, and the test slice is predicted with
the calibrator from that slice. The models of the last fold (trained on the most data) become
the shipped artifact; its calibrator comes from the last calibration slice, which those
models never trained on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from crpbot.confidence.calibration import CalibrationChoice, choose_calibrator
from crpbot.confidence.ensemble import ensemble_score
from crpbot.models.dataset import WindowSet
from crpbot.models.splits import Fold, SplitConfig, walk_forward_splits
from crpbot.models.train import EpochCallback, FoldModels, predict, train_fold
from crpbot.models.train_config import TrainConfig

logger = logging.getLogger(__name__)

FoldCallback = Callable[[int, int], None]
"""Called before each fold with (fold number from 0, number of folds)."""

PREDICTION_COLUMNS = (
    "ts",
    "end",
    "fold",
    "part",
    "direction",
    "strength_true",
    "p_up",
    "strength",
    "score",
    "p_cal",
)


@dataclass
class FoldOutcome:
    """One fold's trained models, its calibration choice and the strength reference used."""

    fold: Fold
    models: FoldModels
    calibration: CalibrationChoice
    strength_ref: float


@dataclass
class WalkForwardRun:
    """All folds plus a table of calibration- and test-slice predictions (`part` says which)."""

    folds: list[Fold]
    outcomes: list[FoldOutcome]
    predictions: pd.DataFrame

    @property
    def final(self) -> FoldOutcome:
        """The last fold: the one shipped as the artifact."""
        return self.outcomes[-1]


def _rows(
    samples: WindowSet, rows: npt.NDArray[np.int64], fold: int, part: str, outcome: FoldOutcome
) -> pd.DataFrame:
    p_up, strength = predict(outcome.models, samples.x[rows])
    score = ensemble_score(p_up, strength, outcome.strength_ref)
    return pd.DataFrame(
        {
            "ts": samples.ts[rows],
            "end": samples.ends[rows],
            "fold": fold,
            "part": part,
            "direction": samples.direction[rows],
            "strength_true": samples.strength[rows],
            "p_up": p_up,
            "strength": strength,
            "score": score,
            "p_cal": outcome.calibration.calibrator.apply(score),
        }
    )


def run_fold(
    samples: WindowSet, fold: Fold, config: TrainConfig, on_epoch: EpochCallback | None = None
) -> FoldOutcome:
    """Train on the fold's training samples and calibrate on its calibration slice."""
    models = train_fold(samples.take(fold.train), config, on_epoch)
    _, train_strength = predict(models, samples.x[fold.train])
    strength_ref = max(float(np.median(train_strength)), 1e-3)
    p_up, strength = predict(models, samples.x[fold.calib])
    choice = choose_calibrator(
        ensemble_score(p_up, strength, strength_ref), samples.direction[fold.calib]
    )
    logger.info(
        "fold trained",
        extra={
            "fold": fold.number,
            "train_samples": int(fold.train.size),
            "lstm_best_epoch": models.lstm_fit.best_epoch,
            "transformer_best_epoch": models.transformer_fit.best_epoch,
            "calibration": choice.calibrator.method,
        },
    )
    return FoldOutcome(fold=fold, models=models, calibration=choice, strength_ref=strength_ref)


def run_walk_forward(
    samples: WindowSet,
    config: TrainConfig,
    splits: SplitConfig,
    on_fold: FoldCallback | None = None,
    on_epoch: EpochCallback | None = None,
) -> WalkForwardRun:
    """Every fold in time order; predictions for calibration and test slices of each."""
    folds = walk_forward_splits(samples.ends, splits)
    outcomes: list[FoldOutcome] = []
    tables: list[pd.DataFrame] = []
    for fold in folds:
        if on_fold is not None:
            on_fold(fold.number, len(folds))
        outcome = run_fold(samples, fold, config, on_epoch)
        outcomes.append(outcome)
        tables.append(_rows(samples, fold.calib, fold.number, "calib", outcome))
        tables.append(_rows(samples, fold.test, fold.number, "test", outcome))
    predictions = pd.concat(tables, ignore_index=True).loc[:, list(PREDICTION_COLUMNS)]
    return WalkForwardRun(folds=folds, outcomes=outcomes, predictions=predictions)
