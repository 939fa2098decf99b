"""Assemble and run the bot service: settings in, polling bot plus health HTTP out.

The bot long-polls Telegram (one poller per token) and, in the same event loop, uvicorn
serves `/healthz`, `/readyz` and `/metrics` for probes and scraping; it is ready while both
the database and the Telegram Bot API answer. uvicorn owns SIGTERM: when it returns, polling
stops and the process exits cleanly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from telegram.ext import Application

from crpbot.config import Settings
from crpbot.db.engine import make_engine, session_factory
from crpbot.services.bot_service import BotService, RiskStateReader
from crpbot.services.pause import PauseControl, StoredPauseFlag
from crpbot.telemetry.health import Readiness, health_router
from crpbot.telemetry.metrics import setup_telemetry
from crpbot.telemetry.redact import register_secret
from crpbot_workers.telegram.bot import build_application
from crpbot_workers.telegram.probe import TelegramProbe

log = logging.getLogger(__name__)

PauseMode = Literal["db", "kubernetes"]


@dataclass(frozen=True, slots=True)
class ServeOptions:
    """What the CLI decides beyond the settings file."""

    host: str
    port: int
    account: str
    pause: PauseMode
    namespace: str | None = None


def file_url(base_url: str) -> str:
    """The Bot API's file URL beside `base_url` (`…/bot` → `…/file/bot`), as Telegram lays
    them out; settings carry only the API one."""
    root = base_url.removesuffix("/bot")
    return f"{root}/file/bot" if root != base_url else base_url


def _database_up(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


def _risk_reader(settings: Settings, engine: Engine) -> RiskStateReader:
    if settings.risk.guard_url:
        from crpbot.services.risk_client import RiskClient

        token = settings.risk_token.get_secret_value() if settings.risk_token else None
        return RiskClient(settings.risk.guard_url, token)
    from crpbot.services.risk_guard import RiskGuardService
    from crpbot_workers.cli.risk_guard import limits_from

    return RiskGuardService(engine, limits_from(settings.risk))


def _pause_control(settings: Settings, options: ServeOptions, engine: Engine) -> PauseControl:
    if options.pause == "kubernetes":
        from crpbot_workers.telegram.k8s_pause import (
            KubernetesPauseControl,
            in_cluster_api,
            pod_namespace,
        )

        namespace = options.namespace or pod_namespace()
        return KubernetesPauseControl(in_cluster_api(), namespace, settings.bot_name)
    return StoredPauseFlag(session_factory(engine), settings.bot_name)


def build(settings: Settings, options: ServeOptions, token: str) -> tuple[Application, FastAPI]:  # type: ignore[type-arg]
    """The bot application and the health app, wired to one `BotService`."""
    register_secret(token)
    telemetry = setup_telemetry(
        settings.telemetry.exporter, settings.telemetry.otlp_endpoint, service="telegram"
    )
    engine = make_engine(settings.database_url.get_secret_value())
    readiness = Readiness()
    readiness.register("database", lambda: _database_up(engine))
    readiness.register("telegram", TelegramProbe(settings.telegram.base_url, token))
    service = BotService(
        session_factory(engine),
        bot=settings.bot_name,
        mode=settings.mode,
        account=options.account,
        pause=_pause_control(settings, options, engine),
        risk=_risk_reader(settings, engine),
        readiness=readiness,
        telemetry=telemetry,
    )
    bot = build_application(
        token,
        service,
        settings.telegram.allowed_chats,
        base_url=settings.telegram.base_url,
        base_file_url=file_url(settings.telegram.base_url),
        telemetry=telemetry,
    )
    http = FastAPI(title="crpbot telegram bot")
    http.include_router(health_router(readiness, telemetry=telemetry))
    return bot, http


async def run(bot: Application, http: FastAPI, host: str, port: int) -> None:  # type: ignore[type-arg]
    """Poll Telegram and serve health until SIGTERM or SIGINT."""
    server = uvicorn.Server(uvicorn.Config(http, host=host, port=port, log_config=None))
    async with bot:
        await bot.start()
        if bot.updater is None:
            raise RuntimeError("the bot application was built without an updater")
        await bot.updater.start_polling()
        log.info("telegram bot polling", extra={"host": host, "port": port})
        try:
            await server.serve()
        finally:
            await bot.updater.stop()
            await bot.stop()
