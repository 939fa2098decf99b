"""One JSON GET against Coinbase with the retry rules its rate limits call for.

429 waits what the server's Retry-After says (capped), other transient failures (5xx,
timeouts, dropped connections) back off exponentially with jitter via tenacity; 401/403 and
other 4xx fail at once because repeating them cannot succeed. Headers are rebuilt for every
attempt so each carries a fresh JWT (tokens expire after 120 s and carry a one-time nonce).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from tenacity import (
    RetryCallState,
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from crpbot.clock import utcnow
from crpbot.data.coinbase_errors import (
    CoinbaseAuthError,
    CoinbaseError,
    CoinbaseRequestError,
    CoinbaseUnavailableError,
    RetryableResponseError,
)

logger = logging.getLogger(__name__)

_MAX_MESSAGE = 200


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try; tests shrink the waits to keep the suite fast."""

    attempts: int = 6
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    jitter: float = 0.5
    max_retry_after: float = 60.0
    timeout: float = 10.0


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), else None."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _server_message(response: requests.Response) -> str:
    """The server's own error text, one line and bounded, for error messages."""
    try:
        body = response.json()
    except ValueError:
        text = response.text
    else:
        text = (
            str(body.get("message") or body.get("error") or body)
            if isinstance(body, dict)
            else str(body)
        )
    return " ".join(text.split())[:_MAX_MESSAGE]


def classify(response: requests.Response, now: datetime) -> dict[str, Any]:
    """Return the JSON body of a success or raise the error type that decides retrying."""
    status = response.status_code
    if status in (401, 403):
        raise CoinbaseAuthError(
            f"Coinbase rejected the API credentials (HTTP {status}); check the key name and secret"
        )
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("Retry-After"), now)
        raise RetryableResponseError("rate limited (HTTP 429)", retry_after)
    if status >= 500:
        raise RetryableResponseError(f"server error (HTTP {status}): {_server_message(response)}")
    if status >= 400:
        raise CoinbaseRequestError(
            f"Coinbase refused the request (HTTP {status}): {_server_message(response)}"
        )
    try:
        body = response.json()
    except ValueError:
        raise CoinbaseError(f"Coinbase answered HTTP {status} with a non-JSON body") from None
    if not isinstance(body, dict):
        raise CoinbaseError("Coinbase answered with JSON that is not an object")
    return body


class JsonGetter:
    """Performs GETs with `policy`; `sleep` and `clock` are injectable for tests."""

    def __init__(
        self,
        policy: RetryPolicy,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._policy = policy
        self._session = session or requests.Session()
        self._sleep = sleep
        self._clock = clock

    def get(
        self, url: str, params: Mapping[str, str], headers: Callable[[], dict[str, str]]
    ) -> dict[str, Any]:
        """GET `url` until it succeeds, fails permanently, or the attempts run out."""
        retrying = Retrying(
            stop=stop_after_attempt(self._policy.attempts),
            wait=self._wait,
            retry=retry_if_exception_type(RetryableResponseError),
            sleep=self._sleep,
            before_sleep=self._log_retry,
            reraise=False,
        )
        try:
            return retrying(self._attempt, url, params, headers)
        except RetryError as exc:
            last = exc.last_attempt.exception()
            raise CoinbaseUnavailableError(
                f"Coinbase request failed after {self._policy.attempts} attempts: {last}"
            ) from None

    def _attempt(
        self, url: str, params: Mapping[str, str], headers: Callable[[], dict[str, str]]
    ) -> dict[str, Any]:
        try:
            response = self._session.get(
                url, params=dict(params), headers=headers(), timeout=self._policy.timeout
            )
        except requests.Timeout:
            raise RetryableResponseError(f"timed out after {self._policy.timeout:g}s") from None
        except requests.ConnectionError as exc:
            raise RetryableResponseError(f"connection failed: {type(exc).__name__}") from None
        return classify(response, self._clock())

    def _wait(self, state: RetryCallState) -> float:
        policy = self._policy
        outcome = state.outcome
        error = outcome.exception() if outcome is not None else None
        if isinstance(error, RetryableResponseError) and error.retry_after is not None:
            return min(error.retry_after, policy.max_retry_after)
        backoff = wait_exponential_jitter(
            multiplier=policy.backoff_initial, max=policy.backoff_max, jitter=policy.jitter
        )
        return float(backoff(state))

    def _log_retry(self, state: RetryCallState) -> None:
        outcome = state.outcome
        error = outcome.exception() if outcome is not None else None
        wait = state.next_action.sleep if state.next_action is not None else 0.0
        logger.warning(
            "coinbase_retry",
            extra={"attempt": state.attempt_number, "reason": str(error), "wait_s": wait},
        )
