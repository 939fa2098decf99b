"""A local stand-in for Coinbase Advanced Trade's candle endpoints.

Serves both `/api/v3/brokerage/products/{id}/candles` (JWT required) and the public
`/api/v3/brokerage/market/products/{id}/candles`, with the documented response shape
(`{"candles": [{"start": "<unix s>", "low": ..., ...}]}`, newest first, strings), at most 350
candles per request (400 above), and scripted faults: 429 with Retry-After, 5xx, 401 and slow
answers. JWTs are verified with the public key exactly as Coinbase would: ES256 signature,
iss "cdp", sub and kid equal to the key name, a nonce, nbf/exp 120 s apart and
uri "GET <host><path>".
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt

GRANULARITY_SECONDS = {
    "ONE_MINUTE": 60,
    "FIVE_MINUTE": 300,
    "FIFTEEN_MINUTE": 900,
    "THIRTY_MINUTE": 1800,
    "ONE_HOUR": 3600,
    "TWO_HOUR": 7200,
    "SIX_HOUR": 21600,
    "ONE_DAY": 86400,
}
MAX_CANDLES = 350
PRIVATE_PREFIX = "/api/v3/brokerage/products/"
PUBLIC_PREFIX = "/api/v3/brokerage/market/products/"


@dataclass
class Fault:
    """One scripted answer: an HTTP status (with headers) and/or a delay before answering."""

    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Seen:
    """What the stand-in received, for assertions."""

    path: str
    params: dict[str, str]
    status: int
    at: float
    authorization: str | None


def candle_for(ts: int, step: int) -> dict[str, str]:
    """A deterministic, OHLC-consistent candle for bar open time `ts`."""
    k = ts // step
    base = 100.0 + (k * 7919 % 1000) / 10.0
    close = base + ((k * 31) % 11 - 5) / 10.0
    return {
        "start": str(ts),
        "low": f"{min(base, close) - 0.5:.2f}",
        "high": f"{max(base, close) + 0.5:.2f}",
        "open": f"{base:.2f}",
        "close": f"{close:.2f}",
        "volume": f"{(k % 17) * 1.25 + 0.5:.4f}",
    }


class CoinbaseStandin:
    """State and control of one running stand-in server."""

    def __init__(self, key_name: str, public_key: Any, data_start: int, data_end: int) -> None:
        self.key_name = key_name
        self.public_key = public_key
        self.data_start = data_start
        self.data_end = data_end
        self.missing: set[int] = set()
        self.faults: deque[Fault] = deque()
        self.always: Fault | None = None
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> CoinbaseStandin:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def next_fault(self) -> Fault | None:
        with self._lock:
            if self.faults:
                return self.faults.popleft()
            return self.always

    def record(self, seen: Seen) -> None:
        with self._lock:
            self.seen.append(seen)

    def candle_requests(self) -> list[Seen]:
        return [s for s in self.seen if s.path.endswith("/candles")]

    def auth_problem(self, authorization: str | None, host: str, path: str) -> str | None:
        """Why a private request's JWT is not acceptable, or None when it is."""
        if not authorization or not authorization.startswith("Bearer "):
            return "missing bearer token"
        token = authorization.removeprefix("Bearer ")
        try:
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(
                token,
                self.public_key,
                algorithms=["ES256"],
                issuer="cdp",
                options={"require": ["sub", "iss", "nbf", "exp", "uri"]},
            )
        except jwt.PyJWTError as exc:
            return f"invalid token: {type(exc).__name__}"
        checks = {
            "kid": header.get("kid") == self.key_name,
            "nonce": bool(header.get("nonce")),
            "sub": claims["sub"] == self.key_name,
            "uri": claims["uri"] == f"GET {host}{path}",
            "lifetime": claims["exp"] - claims["nbf"] == 120,
        }
        failed = [name for name, ok in checks.items() if not ok]
        return f"bad claims: {', '.join(failed)}" if failed else None

    def candles(self, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """Answer a candle query the way Coinbase does: newest first, inclusive range."""
        try:
            start, end = int(params["start"]), int(params["end"])
            step = GRANULARITY_SECONDS[params["granularity"]]
            limit = int(params.get("limit", MAX_CANDLES))
        except (KeyError, ValueError):
            return 400, {"error": "INVALID_ARGUMENT", "message": "bad start/end/granularity"}
        if limit > MAX_CANDLES or (end - start) // step + 1 > MAX_CANDLES:
            return 400, {
                "error": "INVALID_ARGUMENT",
                "message": f"number of candles requested should be less than {MAX_CANDLES + 1}",
            }
        first = max(-(-start // step) * step, -(-self.data_start // step) * step)
        last = min(end, self.data_end - 1)
        opens = [t for t in range(first, last + 1, step) if t not in self.missing]
        newest_first = [candle_for(t, step) for t in reversed(opens)][:limit]
        return 200, {"candles": newest_first}


class StandinHandler(BaseHTTPRequestHandler):
    """Routes one request; `standin` is bound per server by `_handler_for`."""

    standin: CoinbaseStandin

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        authorization = self.headers.get("Authorization")
        status, body, headers = self._answer(parts.path, params, authorization)
        self.standin.record(Seen(parts.path, params, status, time.monotonic(), authorization))
        self._send(status, body, headers)

    def _send(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
        payload = json.dumps(body).encode()
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            return

    def _answer(
        self, path: str, params: dict[str, str], authorization: str | None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        fault = self.standin.next_fault()
        if fault is not None:
            time.sleep(fault.delay)
            if fault.status is not None:
                body = {"error": "FAULT", "message": f"scripted {fault.status}"}
                return fault.status, body, fault.headers
        if path.startswith(PRIVATE_PREFIX) and path.endswith("/candles"):
            problem = self.standin.auth_problem(authorization, self.headers["Host"], path)
            if problem is not None:
                return 401, {"error": "UNAUTHORIZED", "message": problem}, {}
        elif not (path.startswith(PUBLIC_PREFIX) and path.endswith("/candles")):
            return 404, {"error": "NOT_FOUND", "message": path}, {}
        status, body = self.standin.candles(params)
        return status, body, {}


def _handler_for(standin: CoinbaseStandin) -> type[StandinHandler]:
    return type("BoundStandinHandler", (StandinHandler,), {"standin": standin})
