"""Assemble and run the risk guard: settings in, FastAPI app on uvicorn out.

The CLI parses options and words failures; this module decides what the guard is made of
(token, limits, telemetry, database, notifier) through `crpbot_workers.compose`, and imports
only what the guard itself needs, so its process stays within the memory the operator gives
it (no model runtime, no scanner).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

import uvicorn
from fastapi import FastAPI
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from crpbot.config import Settings
from crpbot.notify.base import Notifier
from crpbot.notify.refusal_watch import RefusalWatch
from crpbot.services.risk_guard import RiskGuardService
from crpbot.telemetry import configure_logging, logging_setup
from crpbot.telemetry.metrics import setup_telemetry
from crpbot_workers.compose import make_notifier, open_database, risk_token
from crpbot_workers.risk_guard.app import create_app
from crpbot_workers.risk_guard.processes import reuse_port_socket, supervise

NOTIFIER_FLUSH_S = 10.0


class StartupError(ValueError):
    """The guard cannot start as configured; the message is one line naming the fix and
    never contains a secret."""


@dataclass(frozen=True, slots=True)
class ServeOptions:
    """What the CLI decides beyond the settings file."""

    database_url: str | None = None
    migrate: bool = True
    insecure_no_auth: bool = False


@dataclass(frozen=True, slots=True)
class Assembled:
    """What `run` serves, and whether it does so without authentication."""

    app: FastAPI
    notifier: Notifier
    authenticated: bool


def build(settings: Settings, options: ServeOptions) -> Assembled:
    """The guard's app on a migrated database (unless `options.migrate` is off).

    Raises StartupError without a token (unless `insecure_no_auth`), on an invalid database
    URL or settings, and when the database cannot be opened or migrated.
    """
    url = options.database_url or settings.database_url.get_secret_value()
    token = risk_token(settings)
    if not token and not options.insecure_no_auth:
        raise StartupError(
            "set CRPBOT_RISK_TOKEN (or pass --insecure-no-auth for a local dev instance)"
        )
    try:
        limits = settings.risk.limits()
        telemetry = setup_telemetry(
            settings.telemetry.exporter, settings.telemetry.otlp_endpoint, service="risk-guard"
        )
        telemetry.start_counts("risk_guard")
        engine = open_database(url, migrate=options.migrate, pool_size=settings.risk.concurrency)
    except (ArgumentError, ValueError) as exc:
        raise StartupError(f"invalid database URL, limits or telemetry settings: {exc}") from exc
    except (SQLAlchemyError, OSError) as exc:
        raise StartupError(f"cannot open or migrate the database: {type(exc).__name__}") from exc
    notifier = make_notifier(settings, telemetry)
    risk = settings.risk
    service = RiskGuardService(
        engine, limits, max_clock_skew=timedelta(seconds=risk.max_clock_skew_seconds)
    )
    refusals = RefusalWatch(
        risk.refusal_alert_count, timedelta(seconds=risk.refusal_alert_window_seconds)
    )
    app = create_app(
        service,
        token=token,
        telemetry=telemetry,
        notifier=notifier,
        max_body_bytes=risk.max_body_bytes,
        max_batch_checks=risk.max_batch_checks,
        refusals=refusals,
        concurrency=risk.concurrency,
    )
    return Assembled(app, notifier, authenticated=token is not None)


def run(
    assembled: Assembled,
    host: str,
    port: int,
    *,
    workers: int = 1,
    options: ServeOptions | None = None,
) -> None:
    """Serve until SIGTERM or SIGINT, then give queued alerts a moment to go out.

    With `workers` > 1, that many processes serve the port, each on its own socket
    (`processes.supervise`: uvicorn's shared socket left every connection on one of them)
    and each building its own app (`serve_worker`) from the same settings and `options`: the
    checks' Python work then uses every core. Workers are replicas like any other: each
    check holds its account's row lock (PostgreSQL) or the write lock (SQLite), so limits
    still hold. Raises SystemExit with a worker's exit code when one dies.
    """
    code = 0
    if workers > 1:
        chosen = replace(options or ServeOptions(), migrate=False)
        args = (host, port, logging_setup(), chosen)
        try:
            code = supervise(host, port, workers, serve_worker, args)
        except OSError as exc:
            raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    else:
        uvicorn.run(assembled.app, host=host, port=port, log_config=None)
    close = getattr(assembled.notifier, "close", None)
    if callable(close):
        close(timeout_s=NOTIFIER_FLUSH_S)
    if code:
        raise SystemExit(code)


def serve_worker(host: str, port: int, logs: tuple[str, str], options: ServeOptions) -> None:
    """One worker process: the parent's logging, its own socket, its own app (the parent
    already validated the settings and migrated the database)."""
    configure_logging("cli", *logs)
    sock = reuse_port_socket(host, port, listen=True)
    app = build(Settings(), options).app
    uvicorn.Server(uvicorn.Config(app, log_config=None)).run(sockets=[sock])
