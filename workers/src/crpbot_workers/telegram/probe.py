"""Is the Telegram Bot API reachable with our token? The bot's readiness check.

A bot that cannot reach Telegram answers nobody, so `/readyz` must say so. The check calls
`getMe`, the Bot API's cheapest authenticated method, and remembers the answer for a while:
probes arrive every few seconds from Kubernetes and Prometheus, and Telegram need not see
each one. The token is part of the URL, so neither the URL nor httpx's messages (which may
quote it) are ever put in an error; only the status or the exception's type.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx


class TelegramUnreachableError(RuntimeError):
    """getMe failed; the message says how, without the URL."""


class TelegramProbe:
    """A readiness check (`Readiness.register("telegram", probe)`), cached for `ttl_s`."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout_s: float = 3.0,
        ttl_s: float = 15.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = f"{base_url}{token}/getMe"
        self._timeout_s = timeout_s
        self._ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._checked_at: float | None = None
        self._error: str | None = None

    def __call__(self) -> bool:
        """True when getMe answered ok within the last `ttl_s`; raises with the reason if not."""
        with self._lock:
            now = self._clock()
            if self._checked_at is None or now - self._checked_at >= self._ttl_s:
                self._error = self._get_me()
                self._checked_at = now
            error = self._error
        if error is not None:
            raise TelegramUnreachableError(error)
        return True

    def _get_me(self) -> str | None:
        try:
            response = httpx.get(self._url, timeout=self._timeout_s)
        except httpx.HTTPError as exc:
            return f"getMe failed: {type(exc).__name__}"
        if response.status_code != 200:
            return f"getMe answered HTTP {response.status_code}"
        return None
