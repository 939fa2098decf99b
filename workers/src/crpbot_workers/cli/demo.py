"""`crpbot demo`: the offline end-to-end run on bundled real data."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from crpbot_workers.cli.common import console, err_console, print_json

if TYPE_CHECKING:
    from crpbot_workers.demo import DemoSummary


def _print_summary(summary: DemoSummary) -> None:
    table = Table(title="crpbot demo: bundled real data through the pipeline", show_header=False)
    table.add_column("what")
    table.add_column("value")
    rows = [
        ("data", f"{summary.dataset} hourly bars ({summary.source})"),
        ("bars", f"{summary.bars:,}  {summary.first_bar} -> {summary.last_bar}"),
        ("stored", f"{summary.bars_added_to_store:,} new bars -> {summary.store_file}"),
        ("gaps", f"{summary.gaps} gaps, {summary.missing_bars:,} missing bars (weekends etc.)"),
        ("features", f"{summary.features} columns, {summary.warmup_rows} warm-up rows"),
        ("feature file", summary.feature_file),
    ]
    rows += [(f"last bar {k}", f"{v:g}") for k, v in summary.last_bar_features.items()]
    rows += [(f"time: {k}", f"{v:.2f}s") for k, v in summary.step_seconds.items()]
    for what, value in rows:
        table.add_row(what, value)
    console.print(table)
    console.print("[bold]Not in this demo yet[/] (coming with the next stages):")
    for stage in summary.pending_stages:
        console.print(f"  - {stage}")


def demo(
    workdir: Annotated[
        Path, typer.Option("--workdir", help="Where the demo writes its store and outputs.")
    ] = Path("var/demo"),
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable summary.")] = False,
) -> None:
    """Run the pipeline offline on the bundled real hourly bars and print a summary.

    Safe to re-run: the candle store is incremental, so a second run adds no bars.
    """
    from crpbot_workers.demo import run_demo  # deferred: pandas-ta takes seconds to import

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=as_json,
    ) as progress:
        task = progress.add_task("demo", total=1)

        def on_step(i: int, n: int, name: str) -> None:
            progress.update(task, completed=i, total=n, description=name)

        summary = run_demo(workdir, on_step=on_step)
    if as_json:
        print_json(summary)
    else:
        _print_summary(summary)
