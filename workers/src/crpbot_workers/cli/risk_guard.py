"""`crpbot risk-guard serve`: the FTMO risk guard as an HTTP service.

The bearer token comes from CRPBOT_RISK_TOKEN (or the YAML config); without one the guard
refuses to start unless `--insecure-no-auth` says this is a throwaway dev instance.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from crpbot_workers.cli.common import DatabaseUrlOpt, err_console, fail, settings_or_fail

app = typer.Typer(
    help="Risk guard: FTMO loss floors, sizing and signal rate limits over HTTP.",
    no_args_is_help=True,
)


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")] = 8000,
    database_url: DatabaseUrlOpt = None,
    migrate: Annotated[
        bool, typer.Option("--migrate/--no-migrate", help="Apply migrations before serving.")
    ] = True,
    insecure_no_auth: Annotated[
        bool,
        typer.Option("--insecure-no-auth", help="Serve without a bearer token (local dev only)."),
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="Worker processes on one port (about one per core), each accepting its "
            "own share of the connections; each is a replica with its own database "
            "connections, and the limits hold across them. If one dies, the guard exits.",
        ),
    ] = 1,
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
    try:
        run(assembled, host, port, workers=workers, options=options)
    except StartupError as exc:
        fail(str(exc))


@app.command("reset-clock")
def reset_clock(
    account: Annotated[str, typer.Option("--account", help="Account whose clock is stuck.")],
    to: Annotated[
        str | None,
        typer.Option("--to", help="New newest event time, ISO 8601 with offset (default: now)."),
    ] = None,
    database_url: DatabaseUrlOpt = None,
) -> None:
    """Unstick an account whose newest event time lies in the future (every request 409).

    Sets the account's newest-seen event time to --to (default: now) and re-stamps the
    equity reports and decisions stamped after it to that time, so nothing is lost and
    approvals keep counting. Logged as a warning with the old and new time. Run it while the
    clients that sent the future times are fixed or stopped.
    """
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from crpbot.db.engine import make_engine
    from crpbot.services.risk_guard import RiskGuardService, UnknownAccountError

    target = _aware(to) if to is not None else None
    settings = settings_or_fail()
    url = database_url or settings.database_url.get_secret_value()
    try:
        service = RiskGuardService(make_engine(url))
        before, after, moved = service.reset_clock(account, target)
    except UnknownAccountError as exc:
        fail(str(exc.args[0]), code=1)
    except ArgumentError as exc:
        fail(f"invalid database URL: {exc}")
    except SQLAlchemyError as exc:
        fail(f"cannot reach the database: {type(exc).__name__}", code=1)
    old, new = before.isoformat(), after.isoformat()
    typer.echo(f"{account}: newest event time {old} -> {new}; {moved} rows re-stamped")


def _aware(text: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"not an ISO 8601 time: {text!r}", param_hint="--to") from None
    if parsed.tzinfo is None:
        raise typer.BadParameter("needs a timezone (Z or an offset)", param_hint="--to")
    return parsed
