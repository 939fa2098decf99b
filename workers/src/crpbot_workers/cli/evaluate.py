"""`crpbot evaluate`: the honest evaluation of a trained artifact against baselines.

Scikit-learn and the bootstrap are imported inside the command, so `crpbot --help` stays
instant.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from crpbot_workers.cli.candles import load_candles
from crpbot_workers.cli.common import (
    JsonOpt,
    ModelDirOpt,
    console,
    err_console,
    fail,
    print_json,
)


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
    from crpbot.models.versions import ArtifactError, read_metadata, resolve_version

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
    paired = Table(title="model (calibrated) minus each baseline, on the same resamples")
    for header in ("baseline", "Δ log loss", "Δ Brier", "Δ accuracy"):
        paired.add_column(header)
    for baseline, d in summary.paired.items():
        cells = [
            f"{d[k].value:+.3f} [{d[k].low:+.3f}, {d[k].high:+.3f}]"
            for k in ("log_loss", "brier", "accuracy")
        ]
        paired.add_row(baseline, *cells)
    console.print(paired)
    console.print(
        f"report → {summary.report}; {summary.signal_count} signals → {summary.signals}",
        highlight=False,
    )
