"""`crpbot train` as a function: candles in, a saved artifact and a summary out.

The clock is passed in (it only stamps `created_at`), and progress arrives through callbacks,
so the CLI owns the progress bars and tests can run this without a terminal.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import pandas as pd

from crpbot.confidence.metrics import point_metrics
from crpbot.models.artifacts import save_artifact
from crpbot.models.dataset import WindowSet, samples_from_candles
from crpbot.models.metadata import (
    ArtifactMetadata,
    DataInfo,
    FoldSpan,
    candles_hash,
    code_version,
)
from crpbot.models.splits import SplitConfig, purge_gap
from crpbot.models.train import EpochCallback
from crpbot.models.train_config import TrainConfig
from crpbot.models.walk_forward import FoldCallback, WalkForwardRun, run_walk_forward

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainRequest:
    """What to train on and where to write; the purge gap is raised to window + horizon."""

    source: str
    symbol: str
    model_dir: Path
    config: TrainConfig
    splits: SplitConfig


@dataclass(frozen=True)
class TrainSummary:
    """What the CLI prints after training."""

    model_version: str
    path: Path
    samples: int
    folds: int
    test_samples: int
    metrics: dict[str, float]
    calibration_methods: tuple[str, ...]
    seconds: float


def _iso(ts: pd.Timestamp) -> str:
    return ts.isoformat()


def fold_spans(run: WalkForwardRun, samples: WindowSet) -> tuple[FoldSpan, ...]:
    """Each fold's boundaries in time plus its calibration choice, for the metadata."""
    spans = []
    for outcome in run.outcomes:
        fold, ts = outcome.fold, samples.ts
        spans.append(
            FoldSpan(
                number=fold.number,
                train_last=_iso(ts[fold.train[-1]]),
                calib_first=_iso(ts[fold.calib[0]]),
                calib_last=_iso(ts[fold.calib[-1]]),
                test_first=_iso(ts[fold.test[0]]),
                test_last=_iso(ts[fold.test[-1]]),
                calibration_method=outcome.calibration.calibrator.method,
                calibration_val_log_loss=outcome.calibration.val_log_loss,
            )
        )
    return tuple(spans)


def summary_metrics(predictions: pd.DataFrame) -> dict[str, float]:
    """Out-of-sample point metrics of the calibrated output, plus ECE of the raw score."""
    test = predictions[predictions["part"] == "test"]
    y = test["direction"].to_numpy(dtype="float64")
    metrics = {f"test_{k}": v for k, v in point_metrics(test["p_cal"].to_numpy(), y).items()}
    metrics["test_ece_uncalibrated"] = point_metrics(test["score"].to_numpy(), y)["ece"]
    return metrics


def train_and_save(
    candles: pd.DataFrame,
    request: TrainRequest,
    clock: Callable[[], datetime],
    on_fold: FoldCallback | None = None,
    on_epoch: EpochCallback | None = None,
) -> TrainSummary:
    """Walk-forward train on `candles`, save the last fold's models, summarise."""
    started = time.perf_counter()
    config = request.config
    gap = purge_gap(config.window, config.horizon)
    splits = replace(request.splits, purge=max(request.splits.purge, gap))
    samples = samples_from_candles(candles, config.window, config.horizon)
    run = run_walk_forward(samples, config, splits, on_fold, on_epoch)
    final = run.final
    metrics = summary_metrics(run.predictions)
    index = pd.DatetimeIndex(candles.index)
    metadata = ArtifactMetadata(
        model_version="",
        feature_names=samples.feature_names,
        window=config.window,
        horizon=config.horizon,
        seed=config.seed,
        scaler=final.models.scaler,
        calibrator=final.calibration.calibrator,
        strength_ref=final.strength_ref,
        train=config,
        splits=splits,
        folds=fold_spans(run, samples),
        data=DataInfo(
            source=request.source,
            symbol=request.symbol,
            rows=len(candles),
            first_ts=_iso(index[0]),
            last_ts=_iso(index[-1]),
            sha256=candles_hash(candles),
        ),
        metrics=metrics,
        code=code_version(),
        created_at=clock().isoformat(),
    )
    folder = save_artifact(request.model_dir, final.models, metadata, run.predictions)
    logger.info("models saved", extra={"model_version": folder.name, "path": str(folder)})
    return TrainSummary(
        model_version=folder.name,
        path=folder,
        samples=len(samples),
        folds=len(run.folds),
        test_samples=int((run.predictions["part"] == "test").sum()),
        metrics=metrics,
        calibration_methods=tuple(o.calibration.calibrator.method for o in run.outcomes),
        seconds=time.perf_counter() - started,
    )
