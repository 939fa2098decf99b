"""The python-telegram-bot `Application`: allow-lists, command handlers, error counting.

Handlers are thin: run one `BotService` call in a worker thread (the repositories block),
turn the dataclass into MarkdownV2 with `views`, reply. Messages from chats outside the
allow-list are logged by chat id only (never their text) and get no answer at all, so the
bot does not even confirm it exists. An allowed chat may be a group, so commands that
change state (`STATE_CHANGING`) also need the sender's user id in `admin_users`: any member
of the group may read, only those people may pause.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection
from datetime import timedelta

from telegram import BotCommand, Update
from telegram.constants import ParseMode
from telegram.error import RetryAfter, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from crpbot.services.bot_service import BotService, RiskUnavailableError
from crpbot.telemetry.metrics import Telemetry, get_telemetry
from crpbot_workers.telegram import views

log = logging.getLogger(__name__)

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]


REPLY_ATTEMPTS = 3
STATE_CHANGING = frozenset({"pause", "resume"})


def _seconds(retry_after: int | float | timedelta) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else retry_after


async def _reply(update: Update, text: str, telemetry: Telemetry | None = None) -> None:
    """Answer in the update's chat; a 429 is waited out (`retry_after`) and retried."""
    message = update.effective_message
    counts = telemetry or get_telemetry()
    if message is None:
        return
    for attempt in range(REPLY_ATTEMPTS):
        try:
            await message.reply_text(text, parse_mode=ParseMode.MARKDOWN_V2)
        except RetryAfter as exc:
            if attempt + 1 == REPLY_ATTEMPTS:
                counts.record_delivery("failed")
                raise
            counts.record_delivery("retried")
            await asyncio.sleep(_seconds(exc.retry_after))
        except TelegramError:
            counts.record_delivery("failed")
            raise
        else:
            counts.record_delivery("ok")
            return


def _signals_count(args: list[str] | None) -> int | None:
    if not args:
        return 5
    try:
        n = int(args[0])
    except ValueError:
        return None
    return n if n >= 1 else None


class Commands:
    """One coroutine per command, each a single service call and a view."""

    def __init__(self, service: BotService, telemetry: Telemetry) -> None:
        self._service = service
        self._telemetry = telemetry

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await _reply(update, views.help_text(self._service.bot), self._telemetry)

    async def status(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        status = await asyncio.to_thread(self._service.status)
        await _reply(update, views.status_text(status), self._telemetry)

    async def signals(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        n = _signals_count(context.args)
        if n is None:
            await _reply(
                update, views.usage_text("/signals [n], n a positive whole number"), self._telemetry
            )
            return
        signals = await asyncio.to_thread(self._service.recent_signals, n)
        await _reply(update, views.signals_text(signals), self._telemetry)

    async def risk(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            risk = await asyncio.to_thread(self._service.risk_state)
        except RiskUnavailableError as exc:
            await _reply(update, views.unavailable_text("Risk state", str(exc)), self._telemetry)
            return
        await _reply(update, views.risk_text(risk), self._telemetry)

    async def stats(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        stats = await asyncio.to_thread(self._service.stats)
        await _reply(update, views.stats_text(stats), self._telemetry)

    async def pause(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = await asyncio.to_thread(self._service.pause)
        await _reply(update, views.pause_text(change), self._telemetry)

    async def resume(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = await asyncio.to_thread(self._service.resume)
        await _reply(update, views.pause_text(change), self._telemetry)

    async def health(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        report = await asyncio.to_thread(self._service.health)
        await _reply(update, views.health_text(report), self._telemetry)


async def _ignore(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    log.warning("message from a chat not allowed", extra={"chat_id": chat.id if chat else None})


def may_change_state(user_id: int | None, admin_users: Collection[int]) -> bool:
    """Only a known sender on the admin list; an anonymous one (a channel, an anonymous group
    admin) has no user id of its own to check, so it is refused too."""
    return user_id is not None and user_id in admin_users


def _admins_only(
    command: str, handler: Handler, admin_users: frozenset[int], telemetry: Telemetry
) -> Handler:
    async def guarded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        user_id = user.id if user is not None else None
        if may_change_state(user_id, admin_users):
            await handler(update, context)
            return
        chat = update.effective_chat
        log.warning(
            "state change refused: sender not in telegram.admin_users",
            extra={"command": command, "chat_id": chat.id if chat else None, "user_id": user_id},
        )
        await _reply(update, views.refused_text(command, user_id), telemetry)

    return guarded


def _on_error(telemetry: Telemetry) -> Callable[[object, ContextTypes.DEFAULT_TYPE], object]:
    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        telemetry.count_error("telegram")
        error = context.error
        log.error("telegram handler failed", extra={"error": type(error).__name__})
        if isinstance(update, Update) and update.effective_message is not None:
            await _reply(
                update, views.unavailable_text("Answer", "internal error, logged"), telemetry
            )

    return on_error


def bot_commands() -> list[BotCommand]:
    """The command menu clients show, from the same table `/help` prints."""
    return [
        BotCommand(usage.split()[0].removeprefix("/"), meaning) for usage, meaning in views.HELP
    ]


async def register_commands(app: Application) -> bool:  # type: ignore[type-arg]
    """Tell Telegram the command list (`setMyCommands`) so clients offer it; a failure only
    costs the menu, so it is logged and counted, never fatal to the bot."""
    try:
        await app.bot.set_my_commands(bot_commands())
    except TelegramError as exc:
        get_telemetry().count_error("telegram")
        log.warning("bot commands not registered", extra={"error": type(exc).__name__})
        return False
    return True


def build_application(
    token: str,
    service: BotService,
    allowed_chats: Collection[int],
    *,
    admin_users: Collection[int] = (),
    base_url: str = "https://api.telegram.org/bot",
    base_file_url: str = "https://api.telegram.org/file/bot",
    telemetry: Telemetry | None = None,
) -> Application:  # type: ignore[type-arg]
    """The bot, pointed at `base_url` (a stand-in in tests), answering `allowed_chats` only
    and changing state only for `admin_users` (none: nobody may).

    httpx logs every request URL at INFO and the Bot API carries the token in the URL, so its
    logger is held at WARNING (redaction would mask the token; this keeps it off the record).
    """
    logging.getLogger("httpx").setLevel(logging.WARNING)
    app = ApplicationBuilder().token(token).base_url(base_url).base_file_url(base_file_url).build()
    allowed = filters.Chat(chat_id=list(allowed_chats))
    app.add_handler(MessageHandler(~allowed, _ignore))
    counts = telemetry or get_telemetry()
    commands = Commands(service, counts)
    table: dict[str, Handler] = {
        "start": commands.help,
        "help": commands.help,
        "status": commands.status,
        "signals": commands.signals,
        "risk": commands.risk,
        "stats": commands.stats,
        "pause": commands.pause,
        "resume": commands.resume,
        "health": commands.health,
    }
    admins = frozenset(admin_users)
    for name, handler in table.items():
        if name in STATE_CHANGING:
            handler = _admins_only(name, handler, admins, counts)
        app.add_handler(CommandHandler(name, handler, filters=allowed))  # type: ignore[arg-type]
    app.add_error_handler(_on_error(counts))  # type: ignore[arg-type]
    return app
