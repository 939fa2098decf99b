"""Where the workers turn `Settings` into services: one decision per seam, made once.

The scanner, the risk guard, the Telegram bot and the report commands all need some of the
same parts: who hears alerts (Telegram or the log), which risk guard answers (over HTTP or in
this process), an open (and maybe migrated) database, the guard's bearer token. Deciding each
here keeps them from drifting apart, and keeps each long-running service's imports to what it
uses: heavy parts are imported inside the function that builds them, so the risk guard and
the bot never load the scanner's model runtime.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from crpbot.config import Settings
    from crpbot.notify.base import Notifier
    from crpbot.notify.telegram import TelegramNotifier
    from crpbot.scan.ports import RiskPort
    from crpbot.services.bot_service import RiskStateReader
    from crpbot.telemetry.metrics import Telemetry


def risk_token(settings: Settings) -> str | None:
    """The risk guard's bearer token in clear, or None when none is configured (an empty
    value counts as none, so no caller ever sends `Bearer `)."""
    token = settings.risk_token
    return token.get_secret_value() or None if token is not None else None


def telegram_configured(settings: Settings) -> bool:
    """Whether alerts can go to Telegram: a bot token and at least one allowed chat (alerts
    to nobody would only look delivered)."""
    return settings.telegram_token is not None and bool(settings.telegram.allowed_chats)


def telegram_notifier(
    settings: Settings, telemetry: Telemetry | None = None
) -> TelegramNotifier | None:
    """Telegram to every allowed chat, or None when `telegram_configured` says no."""
    if settings.telegram_token is None or not telegram_configured(settings):
        return None
    from crpbot.notify.telegram import TelegramNotifier

    return TelegramNotifier(
        settings.telegram_token.get_secret_value(),
        settings.telegram.allowed_chats,
        base_url=settings.telegram.base_url,
        telemetry=telemetry,
    )


def make_notifier(settings: Settings, telemetry: Telemetry | None = None) -> Notifier:
    """Telegram to the allowed chats when configured; log lines otherwise."""
    telegram = telegram_notifier(settings, telemetry)
    if telegram is not None:
        return telegram
    from crpbot.notify.base import LogNotifier

    return LogNotifier()


def risk_port(settings: Settings, engine: Engine) -> RiskPort:
    """The guard as the scanner asks it: over HTTP when `risk.guard_url` is set, else
    in-process on `engine`, failing the same way in both."""
    if settings.risk.guard_url:
        from crpbot.services.risk_client import RiskClient

        return RiskClient(
            settings.risk.guard_url,
            risk_token(settings),
            max_batch=settings.risk.max_batch_checks,
        )
    from crpbot.scan.adapters import InProcessRisk
    from crpbot.services.risk_guard import RiskGuardService

    return InProcessRisk(RiskGuardService(engine, settings.risk.limits()))


def risk_reader(settings: Settings, engine: Engine) -> RiskStateReader:
    """The guard as the bot reads an account's state: the same choice as `risk_port`."""
    if settings.risk.guard_url:
        from crpbot.services.risk_client import RiskClient

        return RiskClient(settings.risk.guard_url, risk_token(settings))
    from crpbot.services.risk_guard import RiskGuardService

    return RiskGuardService(engine, settings.risk.limits())


def open_database(url: str, *, migrate: bool, pool_size: int | None = None) -> Engine:
    """An engine on `url`, brought to the newest schema first when `migrate` (services that
    own the schema migrate at start; readers do not), keeping `pool_size` connections when
    given (see `make_engine`). Errors are the caller's to word."""
    from crpbot.db.engine import make_engine, upgrade

    if migrate:
        upgrade(url)
    return make_engine(url, pool_size=pool_size)
