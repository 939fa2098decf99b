"""`crpbot risk-guard serve`: the FTMO risk guard as an HTTP service (API in DESIGN.md).

The bearer token comes from CRPBOT_RISK_TOKEN (or the YAML config); without one the guard
refuses to start unless `--insecure-no-auth` says this is a throwaway dev instance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from crpbot_workers.cli.common import err_console, fail, settings_or_fail

if TYPE_CHECKING:
    from crpbot.config import RiskSettings
    from crpbot.risk import RiskLimits

app = typer.Typer(
    help="Risk guard: FTMO loss floors, sizing and signal rate limits over HTTP.",
    no_args_is_help=True,
)


def limits_from(settings: RiskSettings) -> RiskLimits:
    """The configured FTMO rules and rate limits; the rest keep RiskLimits' defaults."""
    from crpbot.risk import RiskLimits

    return RiskLimits(
        daily_loss_pct=settings.daily_loss_pct,
        total_loss_pct=settings.total_loss_pct,
        challenge_target_pct=settings.profit_target_pct,
        risk_per_trade_pct=settings.risk_per_trade_pct,
        signals_per_hour=settings.signals_per_hour,
        high_tier_per_hour=settings.high_tier_per_hour,
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
    import uvicorn
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from crpbot.db.engine import make_engine, upgrade
    from crpbot.notify.telegram import TelegramNotifier
    from crpbot.services.risk_guard import RiskGuardService
    from crpbot.telemetry.metrics import setup_telemetry
    from crpbot_workers.risk_guard.app import create_app
    from crpbot_workers.scanner.wiring import make_notifier

    settings = settings_or_fail()
    url = database_url or settings.database_url.get_secret_value()
    token = settings.risk_token.get_secret_value() if settings.risk_token else None
    if not token and not insecure_no_auth:
        fail("set CRPBOT_RISK_TOKEN (or pass --insecure-no-auth for a local dev instance)")
    try:
        limits = limits_from(settings.risk)
        telemetry = setup_telemetry(
            settings.telemetry.exporter, settings.telemetry.otlp_endpoint, service="risk-guard"
        )
        if migrate:
            upgrade(url)
        engine = make_engine(url)
    except (ArgumentError, ValueError) as exc:
        fail(f"invalid database URL, limits or telemetry settings: {exc}")
    except (SQLAlchemyError, OSError) as exc:
        fail(f"cannot open or migrate the database: {type(exc).__name__}")
    if not token:
        err_console.print("[bold yellow]warning:[/] serving WITHOUT authentication")
    notifier = make_notifier(settings, telemetry)
    service = RiskGuardService(engine, limits)
    app = create_app(service, token=token or None, telemetry=telemetry, notifier=notifier)
    uvicorn.run(app, host=host, port=port, log_config=None)
    if isinstance(notifier, TelegramNotifier):
        notifier.close(timeout_s=10)
