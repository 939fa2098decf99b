"""Alerts to several Telegram chats through python-telegram-bot, paced, retried and counted.

`notify` only formats and queues, so a scanner is never slowed by Telegram. The Bot API
client is python-telegram-bot's `ExtBot`, which is async while its callers are not: it lives
in one event loop on one worker thread, which sends the queue in order. PTB's
`AIORateLimiter` paces the sends (about 30 a second overall, 20 a minute to a group, as the
Bot API FAQ asks); the retry decision stays here because it is ours to count: a 429's
`retry_after` is waited out, network errors and 5xx are retried with backoff, anything else
is given up on (a bad chat id will not heal by retrying). Every attempt is counted
(`crpbot_telegram_deliveries_total`), every message's end result too
(`crpbot_notifications_total`). The token is part of every URL, so it is registered with the
log redactor before the first request.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest

from crpbot.notify.alerts import Alert
from crpbot.notify.markdown import format_alert
from crpbot.telemetry.metrics import Telemetry, get_telemetry
from crpbot.telemetry.redact import redact_text, register_secret

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.telegram.org/bot"

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message for one chat."""

    chat_id: int
    text: str


def seconds(value: float | timedelta) -> float:
    """PTB gives `retry_after` as seconds or, opted in, as a timedelta."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def retry_delay(error: TelegramError, attempt: int) -> float | None:
    """How long to wait before trying again after `error`, or None to give up.

    `BadRequest` is a `NetworkError` in PTB's hierarchy but a rejected message, so it is
    decided first.
    """
    if isinstance(error, RetryAfter):
        return seconds(error.retry_after)
    if isinstance(error, BadRequest):
        return None
    if isinstance(error, NetworkError):  # also TimedOut, 5xx and a 429 without retry_after
        return float(min(2**attempt, 30))
    return None


@dataclass
class _Worker:
    loop: asyncio.AbstractEventLoop
    inbox: asyncio.Queue[Outgoing | None]
    thread: threading.Thread


class TelegramNotifier:
    """A `Notifier` fanning each alert out to every chat in `chat_ids`.

    `undelivered` counts the messages given up on, for a short-lived caller (a CronJob
    sending the daily summary) that must exit non-zero when its one message did not arrive;
    read it after `close`.
    """

    def __init__(
        self,
        token: str,
        chat_ids: Sequence[int],
        *,
        base_url: str = DEFAULT_BASE_URL,
        telemetry: Telemetry | None = None,
        max_attempts: int = 5,
        timeout_s: float = 10.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        register_secret(token)
        # httpx logs every request URL at INFO, and the Bot API's carry the token.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        self.chat_ids = tuple(chat_ids)
        self._token = token
        self._base_url = base_url
        self._timeout_s = timeout_s
        self._telemetry = telemetry or get_telemetry()
        self._max_attempts = max_attempts
        self._sleep = sleep
        self._worker: _Worker | None = None
        self._lock = threading.Lock()
        self._pending = 0
        self._idle = threading.Condition()
        self.undelivered = 0

    def notify(self, alert: Alert) -> None:
        """Queue `alert` for every chat; returns at once."""
        text = format_alert(alert)
        worker = self._ensure_worker()
        for chat_id in self.chat_ids:
            with self._idle:
                self._pending += 1
            worker.loop.call_soon_threadsafe(worker.inbox.put_nowait, Outgoing(chat_id, text))

    def flush(self, timeout_s: float = 30.0) -> bool:
        """Wait until every queued message is sent or given up; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout_s)

    def close(self, timeout_s: float = 30.0) -> bool:
        """Flush, then stop the worker; a short-lived process calls this before exiting."""
        deadline = time.monotonic() + timeout_s
        done = self.flush(timeout_s)
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is not None:
            worker.loop.call_soon_threadsafe(worker.inbox.put_nowait, None)
            worker.thread.join(max(deadline - time.monotonic(), 0.1))
        return done

    def _ensure_worker(self) -> _Worker:
        with self._lock:
            if self._worker is None:
                loop = asyncio.new_event_loop()
                inbox: asyncio.Queue[Outgoing | None] = asyncio.Queue()
                thread = threading.Thread(
                    target=self._run, args=(loop, inbox), name="telegram-notifier", daemon=True
                )
                self._worker = _Worker(loop, inbox, thread)
                thread.start()
            return self._worker

    def _run(self, loop: asyncio.AbstractEventLoop, inbox: asyncio.Queue[Outgoing | None]) -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._drain(inbox))
        finally:
            loop.close()

    def _connect(self) -> ExtBot[Any]:
        """A bot for one worker's loop: its HTTP client and rate limiter belong to that loop
        and must not outlive it (a notifier used again after `close` gets new ones)."""
        timeout = self._timeout_s
        request = HTTPXRequest(connect_timeout=timeout, read_timeout=timeout, write_timeout=timeout)
        return ExtBot(
            self._token,
            base_url=self._base_url,
            request=request,
            get_updates_request=request,
            rate_limiter=AIORateLimiter(),
        )

    async def _drain(self, inbox: asyncio.Queue[Outgoing | None]) -> None:
        """Send until the `None` that `close` queues; the HTTP client lives exactly as long.

        The bot is not `initialize`d: that would call getMe first, one more request that can
        fail and that sending does not need.
        """
        bot = self._connect()
        limiter = bot.rate_limiter
        await bot.request.initialize()
        if limiter is not None:
            await limiter.initialize()
        try:
            while (message := await inbox.get()) is not None:
                try:
                    await self._deliver(bot, message)
                finally:
                    with self._idle:
                        self._pending -= 1
                        self._idle.notify_all()
        finally:
            if limiter is not None:
                await limiter.shutdown()
            await bot.request.shutdown()

    async def _deliver(self, bot: ExtBot[Any], message: Outgoing) -> None:
        error = ""
        for number in range(self._max_attempts):
            try:
                await bot.send_message(
                    message.chat_id, message.text, parse_mode=ParseMode.MARKDOWN_V2
                )
            except TelegramError as exc:
                error = f"{type(exc).__name__}: {exc.message}"
                wait = retry_delay(exc, number)
            else:
                self._telemetry.record_delivery("ok")
                self._telemetry.record_notification("telegram", "ok")
                return
            if wait is None or number + 1 == self._max_attempts:
                break
            self._telemetry.record_delivery("retried")
            log.info(
                "telegram send retried",
                extra={"chat_id": message.chat_id, "error": redact_text(error), "wait_s": wait},
            )
            await self._sleep(wait)
        self._failed(message, error)

    def _failed(self, message: Outgoing, error: str) -> None:
        self.undelivered += 1
        self._telemetry.record_delivery("failed")
        self._telemetry.record_notification("telegram", "failed")
        self._telemetry.count_error("telegram")
        log.warning(
            "telegram delivery failed",
            extra={"chat_id": message.chat_id, "error": redact_text(error)},
        )
