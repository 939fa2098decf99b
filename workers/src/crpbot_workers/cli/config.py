"""`crpbot config`: inspect the effective configuration."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from crpbot_workers.cli.common import console, print_json, settings_or_fail

app = typer.Typer(help="Inspect the effective configuration.", no_args_is_help=True)


@app.command("show")
def show(
    config_file: Annotated[
        Path | None,
        typer.Option("--config", help="YAML file with settings (else CRPBOT_CONFIG_FILE)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Print every setting with its value, env var and meaning; secrets are masked."""
    from crpbot.config import describe_settings

    rows = describe_settings(settings_or_fail(config_file))
    if as_json:
        print_json({row.name: row.value for row in rows})
        return
    table = Table(title="crpbot effective configuration")
    for column in ("setting", "value", "env var", "meaning"):
        table.add_column(column)
    for row in rows:
        table.add_row(row.name, row.value, row.env, row.description)
    console.print(table)
