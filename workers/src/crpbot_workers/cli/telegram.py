"""`crpbot telegram serve`: the chat bot that answers allow-listed operators.

Heavy imports (python-telegram-bot, SQLAlchemy, the Kubernetes client) happen inside the
command, so `crpbot --help` and unrelated commands start fast.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from crpbot.telemetry.redact import redact_text
from crpbot_workers.cli.common import err_console, fail, settings_or_fail

app = typer.Typer(help="Telegram bot: status, signals, risk, stats, pause/resume.")


def _pause_mode(choice: str) -> str:
    if choice == "auto":
        return "kubernetes" if os.environ.get("KUBERNETES_SERVICE_HOST") else "db"
    if choice not in ("db", "kubernetes"):
        fail(f"--pause must be auto, db or kubernetes, not {choice!r}")
    return choice


@app.command()
def serve(
    host: Annotated[
        str, typer.Option("--host", help="Interface for /healthz, /readyz, /metrics.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Health TCP port.")] = 8081,
    account: Annotated[
        str | None,
        typer.Option("--account", help="Risk-guard account /risk reports (default: bot name)."),
    ] = None,
    pause: Annotated[
        str,
        typer.Option(
            "--pause",
            help="Where /pause acts: db (stored flag the scanner honours), kubernetes "
            "(TradingBot spec.suspend; the bot then also announces the TradingBot's failing "
            "conditions), auto (kubernetes inside a cluster).",
        ),
    ] = "auto",
    namespace: Annotated[
        str | None,
        typer.Option("--namespace", help="TradingBot namespace (default: the pod's own)."),
    ] = None,
) -> None:
    """Long-poll Telegram and answer /start, /help, /status, /signals N, /risk, /stats,
    /pause, /resume and /health from allow-listed chats (telegram.allowed_chats) until SIGTERM.
    /pause and /resume change state, so they are obeyed only from the users listed in
    telegram.admin_users (empty: from nobody). In a cluster it also tells those chats when a
    TradingBot condition fails or recovers.

    The token comes from CRPBOT_TELEGRAM_TOKEN and is never printed or logged.
    """
    settings = settings_or_fail()
    token = settings.telegram_token.get_secret_value() if settings.telegram_token else ""
    if not token:
        fail("set CRPBOT_TELEGRAM_TOKEN to the bot's token")
    if not settings.telegram.allowed_chats:
        fail("telegram.allowed_chats is empty: nobody could talk to the bot")
    if not settings.telegram.admin_users:
        err_console.print(
            "[bold yellow]warning:[/] telegram.admin_users is empty: /pause and /resume are "
            "refused for everyone",
            highlight=False,
        )
    pause_mode = _pause_mode(pause)
    import asyncio

    from crpbot_workers.telegram.serve import ServeOptions, build, run

    options = ServeOptions(
        host=host,
        port=port,
        account=account or settings.bot_name,
        pause="kubernetes" if pause_mode == "kubernetes" else "db",
        namespace=namespace,
    )
    try:
        assembled = build(settings, options, token)
    except (OSError, ValueError) as exc:
        fail(redact_text(f"cannot start the bot: {type(exc).__name__}: {exc}"))
    asyncio.run(run(assembled, host, port))
