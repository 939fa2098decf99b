"""Root of the `crpbot` CLI. Each concept registers its sub-app here with one line."""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

import crpbot
from crpbot.telemetry import configure_logging
from crpbot_workers.cli import backtest as backtest_cli
from crpbot_workers.cli import config, demo, runtime
from crpbot_workers.cli import data as data_cli
from crpbot_workers.cli import db as db_cli
from crpbot_workers.cli import evaluate as evaluate_cli
from crpbot_workers.cli import features as features_cli
from crpbot_workers.cli import metrics as metrics_cli
from crpbot_workers.cli import model as model_cli
from crpbot_workers.cli import outcomes as outcomes_cli
from crpbot_workers.cli import report as report_cli
from crpbot_workers.cli import risk_guard as risk_guard_cli
from crpbot_workers.cli import scan as scan_cli
from crpbot_workers.cli import telegram as telegram_cli
from crpbot_workers.cli import train as train_cli

app = typer.Typer(
    name="crpbot",
    help="crpbot: crypto trading signals with calibrated confidence and FTMO risk rules.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Help is rendered as Markdown, here and in every sub-app (they inherit it): the
    # docstrings' single line breaks (wrapped for the source) are soft, so the prose reflows
    # to the reader's terminal; typer's "rich" mode kept them, and an 80-column terminal
    # showed every other line a word or two long.
    rich_markup_mode="markdown",
)


class LogLevel(StrEnum):
    """The levels `--log-level` accepts (any case), so a typo is a usage error, not a trace."""

    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


class LogFormat(StrEnum):
    """`auto` is text for a person at a terminal and JSON lines for a collector."""

    AUTO = "auto"
    JSON = "json"
    TEXT = "text"


def _print_version(wanted: bool) -> None:
    if wanted:
        typer.echo(f"crpbot {crpbot.__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    config_file: Annotated[
        Path | None,
        typer.Option("--config", help="YAML settings file for every command (CRPBOT_CONFIG_FILE)."),
    ] = None,
    log_level: Annotated[
        LogLevel,
        typer.Option(
            "--log-level", case_sensitive=False, help="DEBUG, INFO, WARNING or ERROR (any case)."
        ),
    ] = LogLevel.WARNING,
    log_format: Annotated[
        LogFormat,
        typer.Option(
            "--log-format",
            case_sensitive=False,
            help="auto: text on a terminal, JSON lines otherwise. Secrets are masked in both.",
        ),
    ] = LogFormat.AUTO,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Settings come from defaults, the YAML file and CRPBOT_* env vars (`config show`)."""
    if config_file is not None:
        os.environ["CRPBOT_CONFIG_FILE"] = str(config_file)
    configure_logging("cli", level=log_level.value, fmt=log_format.value)


app.add_typer(config.app, name="config")
app.command("demo")(demo.demo)
app.add_typer(data_cli.app, name="data")
app.add_typer(db_cli.app, name="db")
app.add_typer(features_cli.app, name="features")
app.add_typer(outcomes_cli.app, name="outcomes")
app.add_typer(model_cli.app, name="model")
app.command("train")(train_cli.train)
app.command("evaluate")(evaluate_cli.evaluate)
app.command("backtest")(backtest_cli.backtest)
app.add_typer(report_cli.app, name="report")
app.add_typer(metrics_cli.app, name="metrics")
app.add_typer(risk_guard_cli.app, name="risk-guard")
app.command("scan")(scan_cli.scan)
app.command("run")(scan_cli.run)
app.add_typer(telegram_cli.app, name="telegram")


def main() -> None:
    """Console-script entry point: a usage error is one line on stderr and exit code 2, like
    every other bad input, instead of click's multi-line box; a missing optional runtime
    (torch, left out of the workers image) is one line and exit code 1."""
    try:
        code = app(prog_name="crpbot", standalone_mode=False)
    except typer.TyperException as exc:  # click's usage errors, as typer exposes them
        if exc.format_message():  # empty when click has just shown the help (no arguments)
            ctx = getattr(exc, "ctx", None)
            where = ctx.command_path if ctx is not None else "crpbot"
            typer.echo(f"{where}: {exc.format_message()} (try --help)", err=True)
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(130)
    except ModuleNotFoundError as exc:
        reason = runtime.missing_runtime(exc)
        if reason is None:
            raise
        typer.echo(f"error: {reason}", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
