"""`crpbot demo`: the offline end-to-end run on bundled real data."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from crpbot_workers.cli.backtest import baseline_lines
from crpbot_workers.cli.common import console, err_console, fail, print_json, settings_or_fail

if TYPE_CHECKING:
    from crpbot.observation.stats import WinRate
    from crpbot_workers.demo import DemoSummary
    from crpbot_workers.demo.modeling import Estimate


def _interval(e: Estimate) -> str:
    return f"{e.value:.3f} [{e.low:.3f}, {e.high:.3f}]"


def _rate(rate: WinRate) -> str:
    if rate.rate is None or rate.low is None or rate.high is None:
        return "no decided outcomes yet"
    return f"{rate.rate:.1%} [{rate.low:.1%}, {rate.high:.1%}] of {rate.decided}"


def _rows(s: DemoSummary) -> list[tuple[str, str]]:
    from crpbot.skill.expectancy import describe

    rows = [
        ("data", f"{s.dataset} hourly bars ({s.source})"),
        ("bars", f"{s.bars:,}  {s.first_bar} -> {s.last_bar}"),
        ("training bars", f"{s.training_bars:,} (before the replay from {s.replay_from})"),
    ]
    if s.models is not None:
        how = "reused from cache" if s.models.reused else f"trained in {s.models.seconds:.0f}s"
        rows.append(("models", f"{s.models.version} ({how}) in {s.models.model_dir}"))
    if s.evaluation is not None:
        rows += [(f"accuracy: {k}", _interval(v)) for k, v in s.evaluation.accuracy.items()]
        rows.append(("AUC (model)", _interval(s.evaluation.auc)))
    if s.backtest is not None:
        b = s.backtest
        win = "n/a" if b.win_rate is None else f"{b.win_rate:.1%}"
        rows.append(
            (
                "backtest",
                f"{b.trades} trades, return {b.total_return:+.2%} after {b.costs}, max "
                f"drawdown {b.max_drawdown:.2%}, win rate {win} (target / decided); "
                f"FTMO challenge: {b.ftmo_status}",
            )
        )
        rows += [(f"backtest {tier}", describe(figures)) for tier, figures in b.tiers.items()]
        rows.append(("vs baselines", "\n".join(x.strip() for x in baseline_lines(b.baselines))))
    if s.replay is not None:
        r = s.replay
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(r.reasons.items(), key=lambda x: -x[1]))
        rows += [
            ("replay", f"{r.cycles} cycles {r.first_close} -> {r.last_close} ({r.seconds:.0f}s)"),
            (
                "replay signals",
                f"{r.signals} signals: {r.approved} approved, {r.rejected} "
                f"rejected, {r.undecided} undecided; {r.below_gate} bars below the gate",
            ),
            ("rejection reasons", reasons or "none"),
            ("outcomes", f"{r.resolved} resolved: {r.won} won, {r.lost} lost, {r.expired} expired"),
            ("direction outcomes", f"{r.directions_resolved} scored bars resolved"),
            (
                "recalibration",
                f"{r.refit_checks} checks, {r.refits} refits, {r.refits_adopted} adopted",
            ),
        ]
    if s.reports is not None:
        rows += [
            ("win rate (approved)", _rate(s.reports.approved_win_rate)),
            ("win rate (all signals)", _rate(s.reports.all_win_rate)),
            *((f"skill gate {g.tier}", g.message) for g in s.reports.gates),
        ]
    rows.append(("time per stage", _stage_times(s.stage_seconds)))
    return rows


def _stage_times(seconds: dict[str, float]) -> str:
    """`data 1s, train 51s, ...`: each stage by the first word of its name."""
    return ", ".join(f"{name.split()[0].rstrip(':')} {sec:.0f}s" for name, sec in seconds.items())


def _workdir_or_fail(workdir: Path) -> None:
    """Refuse an unusable work dir in one line, before the minute of imports and training."""
    if workdir.exists() and not workdir.is_dir():
        fail(f"--workdir {workdir} exists and is not a directory")
    try:
        workdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"--workdir {workdir} cannot be created: {exc.strerror or exc}")
    if not os.access(workdir, os.W_OK | os.X_OK):
        fail(f"--workdir {workdir} is not writable")


def print_summary(s: DemoSummary) -> None:
    """The headline table, then one line per report path (the demo's last words)."""
    table = Table(title="crpbot demo: bundled real data through the whole pipeline")
    table.add_column("what")
    table.add_column("value")
    for what, value in _rows(s):
        table.add_row(what, value)
    console.print(table)
    console.print("[bold]Reports[/]")
    lines = []
    if s.reports is not None:
        lines += [
            f"daily report ({s.reports.day}): {s.reports.daily.html}",
            f"period summary: {s.reports.period.html}",
        ]
    if s.evaluation is not None:
        lines.append(f"evaluation: {s.evaluation.report}")
    if s.backtest is not None:
        lines.append(f"backtest: {s.backtest.report}")
    if s.replay is not None:
        lines.append(f"observation database: {s.replay.database}")
    for line in lines:  # soft wrap: a path stays one copyable line
        console.print(f"  {line}", highlight=False, soft_wrap=True)


def demo(
    workdir: Annotated[
        Path, typer.Option("--workdir", help="Where the demo writes its store, models, reports.")
    ] = Path("var/demo"),
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Retrain instead of reusing cached models.")
    ] = False,
    replay_days: Annotated[
        int,
        typer.Option(
            "--replay-days", min=1, help="Last days of the data held out and replayed live."
        ),
    ] = 14,
    epochs: Annotated[int, typer.Option("--epochs", min=1, help="Maximum epochs per model.")] = 4,
    folds: Annotated[int, typer.Option("--folds", min=1, help="Walk-forward folds.")] = 3,
    n_boot: Annotated[
        int, typer.Option("--n-boot", min=10, help="Bootstrap resamples for the intervals.")
    ] = 200,
    threads: Annotated[int, typer.Option("--threads", min=1, help="Torch CPU threads.")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable summary.")] = False,
) -> None:
    """Run the whole pipeline offline on the bundled real EUR/USD hourly bars.

    Stages: store the bars, train the models on everything before the last REPLAY_DAYS days
    (or reuse the cached ones for the same bars and settings), evaluate them walk-forward
    against baselines, backtest their out-of-sample signals with FTMO rules, replay the held
    out days hour by hour on a simulated clock (scan cycle, risk guard, SQLite, outcome
    tracking, recalibration), then write the daily report and a period summary.
    """
    _workdir_or_fail(workdir)
    with err_console.status("loading the pipeline (torch, scikit-learn, pandas)"):
        from crpbot_workers.demo import STAGE_NAMES, DemoConfig, run_demo  # deferred: torch
        from crpbot_workers.demo.config import DEMO_SYMBOL

    base = DemoConfig()
    try:
        config = DemoConfig(
            train=replace(base.train, epochs=epochs, threads=threads),
            splits=replace(base.splits, n_folds=folds),
            replay_days=replay_days,
            n_boot=n_boot,
            costs=settings_or_fail().costs.for_symbol(DEMO_SYMBOL),
        )
    except ValueError as exc:
        fail(str(exc))
    columns = (
        TextColumn("{task.fields[stage]:<40}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
    )
    with Progress(*columns, console=err_console, transient=as_json) as progress:
        tasks: list[TaskID] = [
            progress.add_task("", total=1, stage=name, start=False) for name in STAGE_NAMES
        ]

        def on_progress(index: int, _name: str, done: int, total: int, detail: str) -> None:
            progress.start_task(tasks[index])
            progress.update(tasks[index], completed=done, total=total, description=detail)

        try:
            summary = run_demo(workdir, config, fresh=fresh, on_progress=on_progress)
        except (ValueError, OSError) as exc:
            fail(" ".join(str(exc).split()))
    if as_json:
        print_json(summary)
    else:
        print_summary(summary)
