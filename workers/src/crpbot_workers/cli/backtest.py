"""`crpbot backtest`: replay a signal table over candles with fees, slippage and FTMO rules.

Without `--signals` the model-free SMA-crossover baseline is generated on the candles, so the
command runs end to end on the bundled data before any model exists. Progress goes to
stderr, so `--json` stdout stays parseable.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from crpbot_workers.cli.candles import load_candles
from crpbot_workers.cli.common import console, err_console, fail, print_json

if TYPE_CHECKING:
    import pandas as pd

    from crpbot.backtest import BacktestConfig
    from crpbot.backtest.ftmo import Phase

_PHASES = ("challenge", "verification")


def _signals(path: Path | None, candles: pd.DataFrame, symbol: str) -> pd.DataFrame:
    import pandas as pd

    from crpbot.backtest.baseline_signals import sma_crossover_signals

    if path is None:
        baseline: pd.DataFrame = sma_crossover_signals(candles, symbol)
        return baseline
    try:
        table: pd.DataFrame = pd.read_csv(path)
        return table
    except FileNotFoundError:
        fail(f"signal file not found: {path}")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        fail(f"{path} is not a readable CSV: {' '.join(str(exc).split())}")


def _config(balance: float, risk: float, fee: float, slippage: float, phase: str) -> BacktestConfig:
    from crpbot.backtest import BacktestConfig, FtmoRules

    if phase not in _PHASES:
        fail(f"--phase must be challenge or verification, not {phase!r}")
    try:
        rules = FtmoRules(initial_balance=balance, phase=cast("Phase", phase))
        return BacktestConfig(risk_per_trade=risk, fee=fee, slippage=slippage, rules=rules)
    except ValueError as exc:
        fail(str(exc))


def _print_summary(figures: dict[str, Any], files: list[Path]) -> None:
    m, ftmo = figures["metrics"], figures["ftmo"]
    console.print(
        f"{m['n_trades']} trades over {figures['bars']} bars: return {m['total_return']:+.2%}, "
        f"max drawdown {m['max_drawdown']:.2%}, "
        f"win rate {m['win_rate'] or 0:.1%} (target / decided), "
        f"Sharpe {m['sharpe'] if m['sharpe'] is not None else float('nan'):.2f}",
        highlight=False,
    )
    for tier, f in figures["expectancy_by_tier"].items():
        win = "n/a" if f["win_rate"] is None else f"{f['win_rate']:.1%}"
        need = "n/a" if f["break_even"] is None else f"{f['break_even']:.1%}"
        mean = "n/a" if f["mean_r"] is None else f"{f['mean_r']:+.3f} R"
        console.print(
            f"  {tier}: {f['n']} trades, win rate {win} vs break-even {need}, "
            f"expectancy {mean} after costs",
            highlight=False,
        )
    console.print(f"FTMO {ftmo['phase']}: {ftmo['status']}", highlight=False)
    for reason in ftmo["reasons"]:
        console.print(f"  - {reason}", highlight=False)
    if files:
        console.print(f"wrote {len(files)} files to {files[0].parent}", highlight=False)


def backtest(
    candles: Annotated[
        str, typer.Option("--candles", help="bundled:EURUSD (bundled real bars) or a candle CSV.")
    ] = "bundled:EURUSD",
    signals: Annotated[
        Path | None,
        typer.Option(
            "--signals",
            help="Signal table CSV (ts,symbol,side,entry,stop,target,expiry). "
            "Default: the SMA-crossover baseline computed on the candles.",
        ),
    ] = None,
    balance: Annotated[
        float, typer.Option("--balance", help="Initial account balance.")
    ] = 100_000.0,
    risk_per_trade: Annotated[
        float, typer.Option("--risk-per-trade", help="Fraction of balance lost at the stop.")
    ] = 0.01,
    fee: Annotated[float, typer.Option("--fee", help="Fee per side, fraction of notional.")] = 0.0,
    slippage: Annotated[
        float, typer.Option("--slippage", help="Slippage per fill, fraction, against you.")
    ] = 0.0,
    phase: Annotated[
        str,
        typer.Option("--phase", help="FTMO phase: challenge (10% target) or verification (5%)."),
    ] = "challenge",
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Write trades, equity, days, metrics, report.md and plots here."
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Machine-readable output on stdout.")
    ] = False,
) -> None:
    """Replay signals over candles: trades, equity curve, metrics and the FTMO verdict.

    Entries fill at the bar after the signal, stop before target inside a bar, one position
    per symbol (overlapping signals are skipped and counted).
    """
    from crpbot.backtest import SignalTableError, run_backtest
    from crpbot.backtest.report import summary
    from crpbot.candles.validate import CandleValidationError
    from crpbot.reports.backtest import write_report

    config = _config(balance, risk_per_trade, fee, slippage, phase)
    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as progress:
        task = progress.add_task("loading candles", total=3)
        try:
            frame, symbol = load_candles(candles)
            table = _signals(signals, frame, symbol)
            progress.update(task, advance=1, description="replaying")
            result = run_backtest(frame, table, config)
        except (CandleValidationError, SignalTableError, ValueError) as exc:
            fail(str(exc))
        progress.update(task, advance=1, description="writing report")
        files = write_report(result, out, title=f"Backtest {symbol}") if out is not None else []
        progress.update(task, advance=1)
    figures = summary(result)
    if as_json:
        print_json({**figures, "files": [str(p) for p in files]})
        return
    _print_summary(figures, files)
