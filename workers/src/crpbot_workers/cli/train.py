"""`crpbot train` and `crpbot evaluate`: walk-forward training and its honest evaluation.

Torch and pandas-ta are imported inside the commands, so `crpbot --help` stays instant.
Progress bars go to stderr, so `--json` stdout stays parseable.
"""

from __future__ import annotations

import shlex
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from crpbot_workers.cli.candles import load_candles
from crpbot_workers.cli.common import console, err_console, fail, print_json

JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]
ModelDirOpt = Annotated[
    Path, typer.Option("--model-dir", help="Folder holding model versions and LATEST.")
]


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
    are written to MODEL_DIR/<version>/ with their metadata and out-of-sample predictions.
    """
    from crpbot.candles.validate import CandleValidationError
    from crpbot.models.pipeline import TrainRequest, train_and_save
    from crpbot.models.splits import SplitConfig
    from crpbot.models.train import TrainConfig

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
            summary = train_and_save(candles, request, lambda: datetime.now(UTC), on_fold, on_epoch)
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


def evaluate(
    model_dir: ModelDirOpt = Path("var/models"),
    version: Annotated[
        str | None, typer.Option("--version", help="Model version (default: LATEST).")
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", help="Folder for report.md, plots and signals.csv.")
    ] = Path("var/reports/eval"),
    n_boot: Annotated[int, typer.Option("--n-boot", min=50, help="Bootstrap resamples.")] = 1000,
    block: Annotated[int, typer.Option("--block", min=1, help="Bootstrap block (samples).")] = 48,
    as_json: JsonOpt = False,
) -> None:
    """Score the out-of-sample predictions against baselines on the same folds.

    Metrics (accuracy, balanced accuracy, AUC, Brier, log loss, ECE) come with moving-block
    bootstrap intervals; baselines are majority class, last direction, logistic regression
    and random. Writes a markdown report with a reliability diagram and the model's
    out-of-sample signals as a table `crpbot backtest` replays.
    """
    from crpbot.candles.validate import CandleValidationError
    from crpbot.evaluation.evaluate import EvaluationSettings
    from crpbot.evaluation.pipeline import evaluate_artifact
    from crpbot.models.artifacts import ArtifactError, read_metadata, resolve_version

    args = ["--model-dir", str(model_dir), "--out", str(out), "--n-boot", str(n_boot)]
    args += ["--block", str(block)] + (["--version", version] if version else [])
    command = "crpbot evaluate " + shlex.join(args)
    settings = EvaluationSettings(block=block, n_boot=n_boot)
    try:
        folder = resolve_version(model_dir, version)
        candles, _ = load_candles(read_metadata(folder).data.source)
        with err_console.status("bootstrapping metrics and baselines"):
            summary, _ = evaluate_artifact(candles, folder, out, settings, command)
    except (ArtifactError, CandleValidationError, ValueError, OSError) as exc:
        fail(" ".join(str(exc).split()))
    if as_json:
        print_json(summary)
        return
    table = Table(title=f"model {summary.model_version}: {summary.n_test} out-of-sample samples")
    for header in ("source", "accuracy", "AUC", "log loss", "ECE"):
        table.add_column(header)
    for source, m in summary.metrics.items():
        cells = [
            f"{m[k].value:.3f} [{m[k].low:.3f}, {m[k].high:.3f}]"
            for k in ("accuracy", "auc", "log_loss", "ece")
        ]
        table.add_row(source, *cells)
    console.print(table)
    console.print(
        f"report → {summary.report}; {summary.signal_count} signals → {summary.signals}",
        highlight=False,
    )
