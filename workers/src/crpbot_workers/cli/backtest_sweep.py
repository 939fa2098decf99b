"""`crpbot backtest --sweep`: many stop / target / threshold settings over the same bars.

Every combination of the grid is replayed in compiled code spread over every core, with the
same fills, costs and FTMO accounting as a single `crpbot backtest` run (each row equals the
single run with those settings). The output is one row per combination, ranked by `--rank`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from crpbot_workers.cli.common import console, err_console, fail, print_json

if TYPE_CHECKING:
    import pandas as pd

    from crpbot.backtest import BacktestConfig
    from crpbot.backtest.sweep import SweepResult
    from crpbot.backtest.sweep_grid import SweepGrid

SHOWN_ROWS = 10


def read_grid(items: list[str], grid_file: Path | None) -> SweepGrid:
    """The grid from `--sweep` items or `--sweep-file`, never both; bad input exits 2."""
    from crpbot.backtest.sweep_grid import GridError, load_grid_file, parse_items

    if items and grid_file is not None:
        fail("give the grid with --sweep or with --sweep-file, not both")
    try:
        return load_grid_file(grid_file) if grid_file is not None else parse_items(items)
    except GridError as exc:
        fail(str(exc))


def run(
    frame: pd.DataFrame,
    table: pd.DataFrame,
    grid: SweepGrid,
    config: BacktestConfig,
    options: tuple[str, Path | None, bool],
) -> None:
    """Sweep, write `sweep.csv` / `sweep.json` under `out`, print the ranking."""
    from crpbot.backtest import SignalTableError
    from crpbot.backtest.sweep import RANKINGS, run_sweep, sweep_basis

    rank, out, as_json = options
    if rank not in RANKINGS:
        fail(f"--rank must be one of {', '.join(RANKINGS)}, not {rank!r}")
    sets = len(grid.sets())
    if "confidence" not in {str(c).strip().lower() for c in table.columns} and any(
        t > 0 for t in grid.threshold
    ):
        fail("--sweep threshold needs a `confidence` column in the signal table (--signals)")
    columns = (TextColumn("sweeping"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        basis = sweep_basis(table, frame)
        with Progress(*columns, console=err_console, transient=True) as progress:
            task = progress.add_task("sweep", total=sets)
            result = run_sweep(
                frame, basis, grid, config, lambda done: progress.update(task, completed=done)
            )
    except (SignalTableError, ValueError) as exc:
        fail(str(exc))
    ranked = result.ranked(rank)
    files = _write(ranked, out) if out is not None else []
    if as_json:
        print_json(_payload(result, ranked, rank, files))
        return
    _print(result, ranked, rank, files)


def _costs(config: BacktestConfig) -> str:
    return (
        f"fee {config.fee * 1e4:.2f} bp/side, slippage {config.slippage * 1e4:.2f} bp/fill, "
        f"risk {config.risk_per_trade:.2%}/trade, FTMO {config.rules.phase} on "
        f"{config.rules.initial_balance:,.0f}"
    )


def _records(ranked: pd.DataFrame) -> list[dict[str, Any]]:
    rows = ranked.assign(ftmo_decided_on=ranked["ftmo_decided_on"].dt.strftime("%Y-%m-%d"))
    return [
        {str(k): None if isinstance(v, float) and math.isnan(v) else v for k, v in r.items()}
        for r in rows.to_dict(orient="records")
    ]


def _write(ranked: pd.DataFrame, out: Path) -> list[Path]:
    import json

    out.mkdir(parents=True, exist_ok=True)
    csv_path, json_path = out / "sweep.csv", out / "sweep.json"
    ranked.to_csv(csv_path, index=False, date_format="%Y-%m-%d")
    json_path.write_text(json.dumps(_records(ranked), indent=2, default=str), encoding="utf-8")
    return [csv_path, json_path]


def _payload(
    result: SweepResult, ranked: pd.DataFrame, rank: str, files: list[Path]
) -> dict[str, Any]:
    return {
        "bars": result.bars,
        "sets": len(ranked),
        "ranked_by": rank,
        "costs": _costs(result.config),
        "rows": _records(ranked),
        "files": [str(p) for p in files],
    }


def _print(result: SweepResult, ranked: pd.DataFrame, rank: str, files: list[Path]) -> None:
    console.print(
        f"{len(ranked)} parameter sets over {result.bars} bars, ranked by {rank} "
        f"(best first); every set paid {_costs(result.config)}",
        highlight=False,
    )
    table = Table(
        "stop ATR", "target ATR", "min conf", "trades", "return", "max DD", "win rate",
        "Sharpe", "FTMO",
    )  # fmt: skip
    for row in ranked.head(SHOWN_ROWS).to_dict(orient="records"):
        win_rate, sharpe = float(row["win_rate"]), float(row["sharpe"])
        table.add_row(
            f"{row['stop_atr']:g}",
            f"{row['target_atr']:g}",
            f"{row['threshold']:g}",
            str(row["trades"]),
            f"{row['total_return']:+.2%}",
            f"{row['max_drawdown']:.2%}",
            "n/a" if math.isnan(win_rate) else f"{win_rate:.1%}",
            "n/a" if math.isnan(sharpe) else f"{sharpe:.2f}",
            str(row["ftmo_status"]),
        )
    console.print(table)
    if len(ranked) > SHOWN_ROWS:
        console.print(f"({len(ranked) - SHOWN_ROWS} more rows in --out / --json)", highlight=False)
    if files:
        console.print(f"wrote {', '.join(str(p) for p in files)}", highlight=False)
