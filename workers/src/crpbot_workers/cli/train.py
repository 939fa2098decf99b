"""`crpbot train`: walk-forward training of both models, saved as a versioned artifact.

Torch and pandas-ta are imported inside the command, so `crpbot --help` stays instant.
Progress bars go to stderr, so `--json` stdout stays parseable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from crpbot.clock import utcnow
from crpbot_workers.cli.candles import load_candles
from crpbot_workers.cli.common import (
    JsonOpt,
    ModelDirOpt,
    console,
    err_console,
    fail,
    print_json,
)


def _progress(transient: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=transient,
    )


def train(
    data: Annotated[
        str, typer.Option("--data", help="bundled:EURUSD (bundled real bars) or a candle CSV.")
    ] = "bundled:EURUSD",
    model_dir: ModelDirOpt = Path("var/models"),
    window: Annotated[int, typer.Option("--window", min=2, help="Bars per input window.")] = 32,
    horizon: Annotated[int, typer.Option("--horizon", min=1, help="Bars ahead to predict.")] = 4,
    epochs: Annotated[int, typer.Option("--epochs", min=1, help="Maximum epochs per model.")] = 8,
    folds: Annotated[int, typer.Option("--folds", min=1, help="Walk-forward folds.")] = 4,
    seed: Annotated[int, typer.Option("--seed", help="Seed for a repeatable run.")] = 7,
    threads: Annotated[int, typer.Option("--threads", min=1, help="Torch CPU threads.")] = 1,
    as_json: JsonOpt = False,
) -> None:
    """Train the LSTM (P(up)) and Transformer (trend strength) walk-forward and save them.

    Each fold trains on the past, calibrates on the next slice and predicts the slice after,
    with purge gaps of window + horizon bars. The last fold's models, scaler and calibrator
    are written to `MODEL_DIR/<version>/` with their metadata and out-of-sample predictions.
    """
    from crpbot.candles.validate import CandleValidationError
    from crpbot.models.pipeline import TrainRequest, train_and_save
    from crpbot.models.splits import SplitConfig
    from crpbot.models.train_config import TrainConfig

    try:
        candles, symbol = load_candles(data)
    except (CandleValidationError, ValueError, OSError) as exc:
        fail(" ".join(str(exc).split()))
    config = TrainConfig(window=window, horizon=horizon, epochs=epochs, seed=seed, threads=threads)
    request = TrainRequest(data, symbol, model_dir, config, SplitConfig(n_folds=folds))
    with _progress(as_json) as progress:
        fold_task = progress.add_task("folds", total=folds)
        epoch_task = progress.add_task("epochs", total=epochs)

        def on_fold(number: int, total: int) -> None:
            progress.update(fold_task, completed=number, total=total)

        def on_epoch(name: str, epoch: int, loss: float) -> None:
            description = f"fold {progress.tasks[fold_task].completed} {name} val {loss:.4f}"
            progress.update(epoch_task, completed=epoch, description=description)

        try:
            summary = train_and_save(candles, request, utcnow, on_fold, on_epoch)
        except ValueError as exc:
            fail(" ".join(str(exc).split()))
        progress.update(fold_task, completed=folds)
    if as_json:
        print_json(summary)
        return
    console.print(
        f"model {summary.model_version} → {summary.path} ({summary.samples} samples, "
        f"{summary.folds} folds, {summary.test_samples} test samples, {summary.seconds:.0f}s)",
        highlight=False,
    )
    for name, value in summary.metrics.items():
        console.print(f"  {name}: {value:.4f}", highlight=False)
