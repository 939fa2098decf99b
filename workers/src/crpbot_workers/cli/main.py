"""Root of the `crpbot` CLI. Each concept registers its sub-app here with one line."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="crpbot",
    help="crpbot: crypto trading signals with calibrated confidence and FTMO risk rules.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def main() -> None:
    """Console-script entry point."""
    app()
