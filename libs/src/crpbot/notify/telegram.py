"""Alerts to several Telegram chats through the Bot API, paced, retried and counted.

`notify` only formats and queues, so a scanner is never slowed by Telegram; one worker thread
sends in order under `SendPacer`, waits out a 429's `retry_after`, retries network errors and
5xx with backoff, and gives up on other errors (a bad chat id will not heal by retrying).
Every attempt is counted (`crpbot_telegram_deliveries_total`), every message's end result too
(`crpbot_notifications_total`). The token is part of the URL, so URLs are never logged.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import requests

from crpbot.notify.alerts import Alert
from crpbot.notify.markdown import format_alert
from crpbot.notify.pacing import SendPacer
from crpbot.telemetry.metrics import Telemetry, get_telemetry
from crpbot.telemetry.redact import redact_text, register_secret

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.telegram.org/bot"


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message for one chat."""

    chat_id: int
    text: str


@dataclass(frozen=True, slots=True)
class Attempt:
    """What one sendMessage call came to; `retry_in` set means try again after it."""

    ok: bool
    retry_in: float | None = None
    error: str = ""


def classify(status: int, body: dict[str, Any], attempt: int) -> Attempt:
    """Map a Bot API answer to send / retry / give up (the answer's `ok` decides success)."""
    if status == 200 and body.get("ok") is True:
        return Attempt(ok=True)
    error = f"{body.get('error_code', status)}: {body.get('description', 'no description')}"
    if status == 429:
        retry_after = (body.get("parameters") or {}).get("retry_after", 1)
        return Attempt(ok=False, retry_in=float(retry_after), error=error)
    if status >= 500:
        return Attempt(ok=False, retry_in=_backoff(attempt), error=error)
    return Attempt(ok=False, error=error)


def _backoff(attempt: int) -> float:
    return float(min(2**attempt, 30))


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
        pacer: SendPacer | None = None,
        max_attempts: int = 5,
        timeout_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        register_secret(token)
        self._url = f"{base_url}{token}/sendMessage"
        self.chat_ids = tuple(chat_ids)
        self._telemetry = telemetry or get_telemetry()
        self._pacer = pacer or SendPacer()
        self._max_attempts = max_attempts
        self._timeout_s = timeout_s
        self._clock = clock
        self._sleep = sleep
        self._http = requests.Session()
        self._queue: queue.Queue[Outgoing | None] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._lock = threading.Lock()
        self.undelivered = 0

    def notify(self, alert: Alert) -> None:
        """Queue `alert` for every chat; returns at once."""
        text = format_alert(alert)
        self._ensure_worker()
        for chat_id in self.chat_ids:
            self._queue.put(Outgoing(chat_id, text))

    def flush(self, timeout_s: float = 30.0) -> bool:
        """Wait until every queued message is sent or given up; False on timeout."""
        deadline = time.monotonic() + timeout_s
        with self._queue.all_tasks_done:
            while self._queue.unfinished_tasks:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._queue.all_tasks_done.wait(left)
        return True

    def close(self, timeout_s: float = 30.0) -> bool:
        """Flush, then stop the worker; a short-lived process calls this before exiting."""
        done = self.flush(timeout_s)
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is not None:
            self._queue.put(None)
            worker.join(timeout_s)
        self._http.close()
        return done

    def _ensure_worker(self) -> None:
        with self._lock:
            if self._worker is None:
                self._worker = threading.Thread(
                    target=self._run, name="telegram-notifier", daemon=True
                )
                self._worker.start()

    def _run(self) -> None:
        while True:
            message = self._queue.get()
            try:
                if message is None:
                    return
                self._deliver(message)
            finally:
                self._queue.task_done()

    def _deliver(self, message: Outgoing) -> None:
        attempt = Attempt(ok=False)
        for number in range(self._max_attempts):
            wait = self._pacer.delay(message.chat_id, self._clock())
            if wait > 0:
                self._sleep(wait)
            self._pacer.sent(message.chat_id, self._clock())
            attempt = self._send(message, number)
            if attempt.ok:
                self._telemetry.record_delivery("ok")
                self._telemetry.record_notification("telegram", "ok")
                return
            if attempt.retry_in is None or number + 1 == self._max_attempts:
                break
            self._telemetry.record_delivery("retried")
            log.info(
                "telegram send retried",
                extra={
                    "chat_id": message.chat_id,
                    "error": attempt.error,
                    "wait_s": attempt.retry_in,
                },
            )
            self._sleep(attempt.retry_in)
        self._failed(message, attempt.error)

    def _send(self, message: Outgoing, number: int) -> Attempt:
        payload = {"chat_id": message.chat_id, "text": message.text, "parse_mode": "MarkdownV2"}
        try:
            response = self._http.post(self._url, json=payload, timeout=self._timeout_s)
            body = response.json() if response.content else {}
        except (requests.RequestException, ValueError) as exc:
            return Attempt(ok=False, retry_in=_backoff(number), error=type(exc).__name__)
        return classify(response.status_code, body if isinstance(body, dict) else {}, number)

    def _failed(self, message: Outgoing, error: str) -> None:
        self.undelivered += 1
        self._telemetry.record_delivery("failed")
        self._telemetry.record_notification("telegram", "failed")
        self._telemetry.count_error("telegram")
        log.warning(
            "telegram delivery failed",
            extra={"chat_id": message.chat_id, "error": redact_text(error)},
        )
