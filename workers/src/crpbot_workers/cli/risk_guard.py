"""`crpbot risk-guard serve`: the FTMO risk guard as an HTTP service.

The bearer token comes from CRPBOT_RISK_TOKEN (or the YAML config); without one the guard
refuses to start unless `--insecure-no-auth` says this is a throwaway dev instance.
"""

from __future__ import annotations

from typing import Annotated

import typer

from crpbot_workers.cli.common import err_console, fail, settings_or_fail

app = typer.Typer(
    help="Risk guard: FTMO loss floors, sizing and signal rate limits over HTTP.",
    no_args_is_help=True,
)


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")] = 8000,
    database_url: Annotated[
        str | None,
        typer.Option("--database-url", help="SQLAlchemy URL (default: configured database_url)."),
    ] = None,
    migrate: Annotated[
        bool, typer.Option("--migrate/--no-migrate", help="Apply migrations before serving.")
    ] = True,
    insecure_no_auth: Annotated[
        bool,
        typer.Option("--insecure-no-auth", help="Serve without a bearer token (local dev only)."),
    ] = False,
) -> None:
    """Serve /v1/equity, /v1/check, /v1/state, /healthz, /readyz and /metrics until SIGTERM.

    All state is in the database, so a restart (or a second replica on Postgres) loses nothing.
    A daily halt or a total-loss breach is announced once on Telegram (token and
    telegram.allowed_chats configured) or in the log.
    """
    from crpbot_workers.risk_guard.serve import ServeOptions, StartupError, build, run

    settings = settings_or_fail()
    options = ServeOptions(database_url, migrate=migrate, insecure_no_auth=insecure_no_auth)
    try:
        assembled = build(settings, options)
    except StartupError as exc:
        fail(str(exc))
    if not assembled.authenticated:
        err_console.print("[bold yellow]warning:[/] serving WITHOUT authentication")
    run(assembled, host, port)
