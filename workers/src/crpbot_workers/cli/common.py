"""What every command shares: one-line failures, JSON output, loading settings."""

from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console

from crpbot.telemetry.redact import redact_text

if TYPE_CHECKING:
    from crpbot.config import Settings

JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]
ModelDirOpt = Annotated[
    Path, typer.Option("--model-dir", help="Folder holding model versions and LATEST.")
]
DatabaseUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy URL, e.g. sqlite:///var/crpbot.db or postgresql://user@host/db "
        "(default: the database_url setting).",
        show_default=False,
    ),
]

console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """Stop the command with a one-line reason on stderr and a non-zero exit; the reason is
    redacted, since it often quotes an exception that may quote a URL or a token."""
    err_console.print(
        f"[bold red]error:[/] {redact_text(message)}", highlight=False, soft_wrap=True
    )
    raise typer.Exit(code)


def print_json(payload: Any) -> None:
    """Print a machine-readable result on stdout (dataclasses and paths included)."""

    def _default(value: Any) -> Any:
        if is_dataclass(value) and not isinstance(value, type):
            return asdict(value)
        if isinstance(value, Path):
            return str(value)
        return str(value)

    typer.echo(json.dumps(payload, default=_default, indent=2))


def settings_or_fail(config_file: Path | None = None) -> Settings:
    """Load settings, turning a bad file or value into a one-line error.

    pydantic-settings is imported here, not at module level: `crpbot --help` never pays for it.
    """
    from pydantic import ValidationError

    from crpbot.config import load_settings
    from crpbot.config.settings import ConfigFileError

    try:
        return load_settings(config_file)
    except ConfigFileError as exc:
        fail(str(exc))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        fail(f"invalid configuration: {where}: {first['msg']}")
