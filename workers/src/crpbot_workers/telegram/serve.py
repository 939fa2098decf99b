"""Assemble and run the bot service: settings in, polling bot plus health HTTP out.

The bot long-polls Telegram (one poller per token) and, in the same event loop, uvicorn
serves `/healthz`, `/readyz` and `/metrics` for probes and scraping; it is ready while both
the database and the Telegram Bot API answer. uvicorn owns SIGTERM: when it returns, polling
stops and the process exits cleanly.

In a cluster (`--pause kubernetes`) one background job runs beside them: it polls the bot's
own TradingBot and tells every allow-listed chat when an operator-reported condition fails
or recovers (`condition_alerts`), since the operator has no Telegram token of its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

import uvicorn
from fastapi import FastAPI
from telegram.ext import Application

from crpbot.config import Settings
from crpbot.db.engine import database_reachable, session_factory
from crpbot.services.bot_service import BotService
from crpbot.services.pause import PauseControl, StoredPauseFlag
from crpbot.telemetry.health import Readiness, health_router
from crpbot.telemetry.metrics import Telemetry, setup_telemetry
from crpbot.telemetry.redact import register_secret
from crpbot_workers.compose import open_database, risk_reader, telegram_notifier
from crpbot_workers.telegram.bot import build_application, register_commands
from crpbot_workers.telegram.probe import TelegramProbe

log = logging.getLogger(__name__)

PauseMode = Literal["db", "kubernetes"]
Job = Callable[[], Coroutine[Any, Any, None]]


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


@dataclass(frozen=True, slots=True)
class Assembled:
    """What `run` serves: the polling bot, the health app and background jobs beside them."""

    bot: Application  # type: ignore[type-arg]
    http: FastAPI
    jobs: tuple[Job, ...] = ()


def _in_cluster(
    settings: Settings, options: ServeOptions, telemetry: Telemetry
) -> tuple[PauseControl, Job]:
    """`/pause` on the bot's own TradingBot, and the job announcing its condition flips."""
    from crpbot.notify.condition_watch import ConditionWatch
    from crpbot_workers.telegram.condition_alerts import ConditionAlerts, poll_forever
    from crpbot_workers.telegram.k8s_pause import (
        KubernetesPauseControl,
        in_cluster_api,
        pod_namespace,
    )

    api = in_cluster_api()
    namespace = options.namespace or pod_namespace()
    notifier = telegram_notifier(settings, telemetry)
    if notifier is None:
        raise ValueError("condition alerts need a Telegram token and allowed chats")
    grace = timedelta(seconds=settings.notify.condition_grace_seconds)
    watch = ConditionWatch(settings.bot_name, grace=grace)
    alerts = ConditionAlerts(api, namespace, settings.bot_name, notifier, watch=watch)

    async def announce_conditions() -> None:
        try:
            interval = settings.notify.condition_poll_seconds
            await poll_forever(alerts, interval_s=interval, telemetry=telemetry)
        finally:
            await asyncio.to_thread(notifier.close, 5.0)

    return KubernetesPauseControl(api, namespace, settings.bot_name), announce_conditions


def _skill_job(
    settings: Settings, options: ServeOptions, service: BotService, telemetry: Telemetry
) -> Job:
    """The job publishing the skill gates, the risk status and the signals of the last 24 h
    on the bot's TradingBot for the operator."""
    from crpbot_workers.telegram.k8s_pause import in_cluster_api, pod_namespace
    from crpbot_workers.telegram.skill_publish import (
        ActivityPublisher,
        SkillPublisher,
        publish_forever,
    )

    namespace = options.namespace or pod_namespace()
    api = in_cluster_api()
    publishers = (
        SkillPublisher(api, namespace, settings.bot_name, service.skill_gates),
        ActivityPublisher(api, namespace, settings.bot_name, service.activity),
    )

    async def publish_skill() -> None:
        interval = settings.notify.condition_poll_seconds
        await publish_forever(publishers, interval_s=interval, telemetry=telemetry)

    return publish_skill


def build(settings: Settings, options: ServeOptions, token: str) -> Assembled:
    """The bot application and the health app, wired to one `BotService`; in a cluster also
    the job that announces the TradingBot's condition flips."""
    register_secret(token)
    telemetry = setup_telemetry(
        settings.telemetry.exporter, settings.telemetry.otlp_endpoint, service="telegram"
    )
    telemetry.start_counts("telegram")
    engine = open_database(settings.database_url.get_secret_value(), migrate=False)
    readiness = Readiness()
    readiness.register("database", lambda: database_reachable(engine))
    readiness.register("telegram", TelegramProbe(settings.telegram.base_url, token))
    pause: PauseControl
    jobs: tuple[Job, ...] = ()
    if options.pause == "kubernetes":
        pause, job = _in_cluster(settings, options, telemetry)
        jobs = (job,)
    else:
        pause = StoredPauseFlag(session_factory(engine), settings.bot_name)
    service = BotService(
        session_factory(engine),
        bot=settings.bot_name,
        mode=settings.mode,
        account=options.account,
        pause=pause,
        risk=risk_reader(settings, engine),
        readiness=readiness,
        telemetry=telemetry,
        skill=settings.skill_rules(),
    )
    if options.pause == "kubernetes":
        jobs = (*jobs, _skill_job(settings, options, service, telemetry))
    bot = build_application(
        token,
        service,
        settings.telegram.allowed_chats,
        admin_users=settings.telegram.admin_users,
        base_url=settings.telegram.base_url,
        base_file_url=file_url(settings.telegram.base_url),
        telemetry=telemetry,
    )
    http = FastAPI(title="crpbot telegram bot")
    http.include_router(health_router(readiness, telemetry=telemetry))
    return Assembled(bot, http, jobs)


async def run(assembled: Assembled, host: str, port: int) -> None:
    """Poll Telegram, serve health and run the background jobs until SIGTERM or SIGINT."""
    bot = assembled.bot
    server = uvicorn.Server(uvicorn.Config(assembled.http, host=host, port=port, log_config=None))
    async with bot:
        await register_commands(bot)
        await bot.start()
        if bot.updater is None:
            raise RuntimeError("the bot application was built without an updater")
        await bot.updater.start_polling()
        jobs = [asyncio.create_task(job()) for job in assembled.jobs]
        log.info("telegram bot polling", extra={"host": host, "port": port, "jobs": len(jobs)})
        try:
            await server.serve()
        finally:
            for task in jobs:
                task.cancel()
            await asyncio.gather(*jobs, return_exceptions=True)
            await bot.updater.stop()
            await bot.stop()
