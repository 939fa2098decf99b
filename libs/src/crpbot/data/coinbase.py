"""Coinbase Advanced Trade candles behind the `CandleSource` interface.

Built on `requests` plus the official SDK's JWT generator rather than the SDK's `RESTClient`:
the RESTClient hard-codes `https://{base_url}`, so it cannot talk to a plain-HTTP stand-in
in tests, and it has no retry or rate-limit handling of its own. Signing still comes from
`coinbase.jwt_generator` (see `coinbase_auth`).

With credentials the authenticated `/products/{id}/candles` endpoint is used; without, the
public `/market/products/{id}/candles` one, which needs no key. Either returns at most 350
candles per request, newest first, `start` as a unix-seconds string; this module pages over
longer ranges and returns the candle DataFrame convention (UTC `ts` index, ascending floats).
Pages are paced under the documented REST limits (public: 10 requests/s per IP, private:
30/s per key) so a long backfill does not spend its time in 429 back-off.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

import pandas as pd
import requests

from crpbot.candles.granularity import granularity_seconds
from crpbot.candles.source import CANDLE_COLUMNS, empty_candles
from crpbot.data.coinbase_auth import CoinbaseCredentials, build_request_jwt
from crpbot.data.coinbase_errors import CoinbaseError
from crpbot.data.coinbase_http import JsonGetter, RetryPolicy

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.coinbase.com"
API_PREFIX = "/api/v3/brokerage"
MAX_CANDLES_PER_REQUEST = 350
PUBLIC_REQUESTS_PER_SECOND = 10.0
PRIVATE_REQUESTS_PER_SECOND = 30.0
_PRODUCT_ID = re.compile(r"^[A-Z0-9]{1,20}-[A-Z0-9]{1,20}$")

PageCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class PageWindow:
    """One request's `start`/`end` query values (unix seconds)."""

    start: int
    end: int


def plan_pages(
    start: datetime, end: datetime, granularity: str, limit: int = MAX_CANDLES_PER_REQUEST
) -> list[PageWindow]:
    """Windows covering every bar open in [start, end) with at most `limit` bars each.

    Each window spans `limit - 1` bar lengths, so whether Coinbase treats `end` as inclusive
    (then the window holds `limit` bars and the shared edge bar is deduplicated) or exclusive
    (then the next window starts at that bar), no bar is missed and no request exceeds the limit.
    """
    step = granularity_seconds(granularity)
    first = -(-_unix(start) // step) * step
    stop = _unix(end)
    span = (limit - 1) * step
    windows = []
    cursor = first
    while cursor < stop:
        windows.append(PageWindow(cursor, min(cursor + span, stop)))
        cursor += span
    return windows


def _unix(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("candle range bounds must be timezone-aware (UTC)")
    return int(moment.timestamp())


def candles_from_payload(payload: dict[str, Any]) -> pd.DataFrame:
    """Coinbase's `{"candles": [...]}` (newest first, strings) as the candle convention."""
    rows = payload.get("candles")
    if not isinstance(rows, list):
        raise CoinbaseError("Coinbase candle response has no 'candles' list")
    if not rows:
        return empty_candles()
    try:
        starts = [int(row["start"]) for row in rows]
        data = {col: [float(row[col]) for row in rows] for col in CANDLE_COLUMNS}
    except (KeyError, TypeError, ValueError) as exc:
        raise CoinbaseError(f"Coinbase candle response is malformed: {exc!r}") from None
    index = pd.DatetimeIndex(pd.to_datetime(starts, unit="s", utc=True), name="ts")
    return pd.DataFrame(data, index=index).sort_index()


class CoinbaseClient:
    """Candles from Coinbase Advanced Trade; satisfies `CandleSource`."""

    def __init__(
        self,
        credentials: CoinbaseCredentials | None = None,
        base_url: str = DEFAULT_BASE_URL,
        policy: RetryPolicy | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        page_limit: int = MAX_CANDLES_PER_REQUEST,
        pacing: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"Coinbase base URL must be http(s)://host[:port], got {base_url!r}")
        self._root = f"{parts.scheme}://{parts.netloc}"
        self._host = parts.netloc
        self._prefix = parts.path.rstrip("/")
        self._credentials = credentials
        self._getter = JsonGetter(policy or RetryPolicy(), session=session, sleep=sleep)
        self._page_limit = min(page_limit, MAX_CANDLES_PER_REQUEST)
        rate = PRIVATE_REQUESTS_PER_SECOND if credentials else PUBLIC_REQUESTS_PER_SECOND
        self._interval = 1.0 / rate if pacing else 0.0
        self._sleep = sleep
        self._clock = clock
        self._last_request: float | None = None
        self.on_page: PageCallback | None = None

    @property
    def authenticated(self) -> bool:
        """Whether requests are signed (private endpoint) or go to the public one."""
        return self._credentials is not None

    def fetch_candles(
        self, symbol: str, granularity: str, start: datetime, end: datetime
    ) -> pd.DataFrame:
        """Every bar with open time in [start, end), oldest first, no duplicates."""
        if not _PRODUCT_ID.match(symbol):
            raise ValueError(f"symbol must be a Coinbase product id like BTC-USD, got {symbol!r}")
        windows = plan_pages(start, end, granularity, self._page_limit)
        frames = [empty_candles()]
        for number, window in enumerate(windows, start=1):
            frames.append(self._fetch_page(symbol, granularity, window))
            if self.on_page is not None:
                self.on_page(number, len(windows))
        merged = pd.concat(frames).sort_index()
        merged = merged[~merged.index.duplicated(keep="first")]
        in_range = (merged.index >= pd.Timestamp(start)) & (merged.index < pd.Timestamp(end))
        return merged.loc[in_range]

    def _fetch_page(self, symbol: str, granularity: str, window: PageWindow) -> pd.DataFrame:
        family = "/products" if self.authenticated else "/market/products"
        path = f"{self._prefix}{API_PREFIX}{family}/{quote(symbol)}/candles"
        params = {
            "start": str(window.start),
            "end": str(window.end),
            "granularity": granularity,
            "limit": str(self._page_limit),
        }
        logger.debug("coinbase_page", extra={"symbol": symbol, "start": window.start})
        self._pace()
        payload = self._getter.get(self._root + path, params, lambda: self._headers(path))
        return candles_from_payload(payload)

    def _pace(self) -> None:
        """Keep consecutive pages at least one rate-limit interval apart."""
        if self._interval and self._last_request is not None:
            wait = self._last_request + self._interval - self._clock()
            if wait > 0:
                self._sleep(wait)
        self._last_request = self._clock()

    def _headers(self, path: str) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": "crpbot"}
        if self._credentials is not None:
            token = build_request_jwt(self._credentials, "GET", self._host, path)
            headers["Authorization"] = f"Bearer {token}"
        return headers
