"""`crpbot backtest`: replay a signal table over candles with fees, slippage and FTMO rules.

Without `--signals` the model-free SMA-crossover baseline is generated on the candles, so the
command runs end to end on the bundled data before any model exists. Costs default to the
instrument's from the settings (`costs`), never to zero, and the run is shown beside
always-long, always-short and random-side replays of the same signals with the same exits.
Progress goes to stderr, so `--json` stdout stays parseable.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from crpbot.backtest.sweep_grid import MAX_SETS
from crpbot_workers.cli.candles import load_candles
from crpbot_workers.cli.common import console, err_console, fail, print_json, settings_or_fail

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


def _config(
    balance: float, risk: float, costs: tuple[float | None, float | None], symbol: str, phase: str
) -> BacktestConfig:
    """The replay's settings; a cost not given on the command line is the instrument's."""
    from crpbot.backtest import BacktestConfig, FtmoRules

    defaults = settings_or_fail().costs.for_symbol(symbol)
    fee = defaults.fee if costs[0] is None else costs[0]
    slippage = defaults.slippage if costs[1] is None else costs[1]
    if phase not in _PHASES:
        fail(f"--phase must be challenge or verification, not {phase!r}")
    try:
        rules = FtmoRules(initial_balance=balance, phase=cast("Phase", phase))
        return BacktestConfig(risk_per_trade=risk, fee=fee, slippage=slippage, rules=rules)
    except ValueError as exc:
        fail(str(exc))


def _sweep(
    candles: str,
    signals: Path | None,
    account: tuple[float, float, float | None, float | None, str],
    grid_source: tuple[list[str] | None, Path | None],
    options: tuple[str, Path | None, bool],
) -> None:
    from crpbot.candles.validate import CandleValidationError
    from crpbot_workers.cli import backtest_sweep

    grid = backtest_sweep.read_grid(grid_source[0] or [], grid_source[1])
    balance, risk, fee, slippage, phase = account
    try:
        frame, symbol = load_candles(candles)
    except (CandleValidationError, ValueError) as exc:
        fail(str(exc))
    config = _config(balance, risk, (fee, slippage), symbol, phase)
    backtest_sweep.run(frame, _signals(signals, frame, symbol), grid, config, options)


def baseline_lines(figures: dict[str, Any]) -> list[str]:
    """The model's run beside its baselines, one line each, with the costs they all paid."""

    def excess(e: dict[str, Any]) -> str:
        return f"model − it {e['value']:+.2%} [{e['low']:+.2%}, {e['high']:+.2%}]"

    rnd = figures["random_side"]
    lines = [f"baselines (same signals, exits and {figures['costs']}):"]
    for key, name in (("always_long", "always long"), ("always_short", "always short")):
        run = figures[key]
        lines.append(
            f"  {name}: {run['trades']} trades, return {run['total_return']:+.2%}, FTMO "
            f"{run['ftmo_status']}; {excess(run['excess'])}"
        )
    lines += [
        f"  random side ({rnd['seeds']} seeds, {rnd['long_share']:.1%} long like the model): "
        f"median return {rnd['median_return']:+.2%}; {excess(rnd['excess'])}; random beats "
        f"the model in {rnd['beat_share']:.0%} of runs",
        f"  intervals: {figures['always_long']['excess']['method']} (always long/short); "
        f"{rnd['excess']['method']} (random side)",
    ]
    return lines


def _print_summary(figures: dict[str, Any], files: list[Path]) -> None:
    m, ftmo = figures["metrics"], figures["ftmo"]
    console.print(
        f"{m['n_trades']} trades over {figures['bars']} bars: return {m['total_return']:+.2%} "
        f"after {figures['config']['costs']}, max drawdown {m['max_drawdown']:.2%}, "
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
    for line in baseline_lines(figures["baselines"]) if "baselines" in figures else []:
        console.print(line, highlight=False)
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
    fee: Annotated[
        float | None,
        typer.Option(
            "--fee",
            help="Fee per side, fraction of notional. Default: the instrument's from the "
            "settings (costs.fx / costs.crypto / costs.symbols).",
        ),
    ] = None,
    slippage: Annotated[
        float | None,
        typer.Option(
            "--slippage",
            help="Slippage (half-spread) per fill, fraction, against you. Default: the "
            "instrument's from the settings.",
        ),
    ] = None,
    random_seeds: Annotated[
        int,
        typer.Option(
            "--random-seeds",
            min=0,
            help="Random-side replays (the model's sides shuffled) to compare with; "
            "0 skips every baseline.",
        ),
    ] = 200,
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
    sweep: Annotated[
        list[str] | None,
        typer.Option(
            "--sweep",
            help="Sweep instead of one run: an axis and its values, repeatable, e.g. "
            "--sweep stop=1,1.5,2 --sweep target=2,3 --sweep threshold=0.55,0.6. Axes: stop and "
            "target (ATR multiples from the signal's entry; ATR is the table's `atr` column or "
            "ATR(14) of the candles), threshold (minimum `confidence`, a column --signals must "
            f"have). Every combination runs (at most {MAX_SETS:,}; each value listed once); a "
            "missing axis keeps stop 2, target 3, threshold 0.",
        ),
    ] = None,
    sweep_file: Annotated[
        Path | None,
        typer.Option(
            "--sweep-file",
            help="The sweep grid as a JSON (.json) or YAML file mapping axis to values, "
            'e.g. {"stop": [1, 1.5], "target": [2, 3]}.',
        ),
    ] = None,
    rank: Annotated[
        str,
        typer.Option(
            "--rank",
            help="Sweep ranking: total_return, sharpe, win_rate (higher first) or "
            "max_drawdown (lower first).",
        ),
    ] = "total_return",
) -> None:
    """Replay signals over candles: trades, equity curve, metrics and the FTMO verdict.

    Entries fill at the bar after the signal, stop before target inside a bar, one position
    per symbol (overlapping signals are skipped and counted). Costs default to the
    instrument's (EUR-USD about 0.8 bp per side, crypto 0.60% fee + 1 bp). The same signals
    are replayed always long, always short and with random sides (the model's long share),
    with the same exits, and the model's excess return over each is shown with an interval.

    With --sweep / --sweep-file, every combination of stops, targets and confidence
    thresholds is replayed instead (in one compiled call over every core, same fills, costs
    and FTMO accounting), and the sets are listed ranked by --rank.
    """
    if sweep or sweep_file is not None:
        _sweep(
            candles,
            signals,
            (balance, risk_per_trade, fee, slippage, phase),
            (sweep, sweep_file),
            (rank, out, as_json),
        )
        return
    from crpbot.backtest import SignalTableError, run_backtest
    from crpbot.backtest.comparison import ComparisonSettings, compare_with_baselines
    from crpbot.backtest.report import summary
    from crpbot.candles.validate import CandleValidationError
    from crpbot.reports.backtest import write_report

    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as progress:
        task = progress.add_task("loading candles", total=4)
        try:
            frame, symbol = load_candles(candles)
            config = _config(balance, risk_per_trade, (fee, slippage), symbol, phase)
            table = _signals(signals, frame, symbol)
            progress.update(task, advance=1, description="replaying")
            result = run_backtest(frame, table, config)
            progress.update(task, advance=1, description=f"{random_seeds} random-side replays")
            comparable = random_seeds > 0 and bool(result.signals["entry"].notna().all())
            comparison = (
                compare_with_baselines(frame, table, result, ComparisonSettings(random_seeds))
                if comparable and len(result.signals)
                else None
            )
        except (CandleValidationError, SignalTableError, ValueError) as exc:
            fail(str(exc))
        progress.update(task, advance=1, description="writing report")
        title = f"Backtest {symbol}"
        files = write_report(result, out, title, comparison) if out is not None else []
        progress.update(task, advance=1)
    figures = summary(result, comparison)
    if comparison is None and random_seeds > 0:
        err_console.print(
            "baselines skipped: turning a signal's side mirrors its stop and target around "
            "its entry price, and some signals have none",
            highlight=False,
        )
    if as_json:
        print_json({**figures, "files": [str(p) for p in files]})
        return
    _print_summary(figures, files)
