"""The guard's front door: bearer token and body size, checked before any byte of the body.

FastAPI reads and parses a body before it runs any dependency, so a token dependency alone
lets an anonymous client make the guard buffer and parse 50 MB. This pure ASGI middleware sits
in front of the routing: an API request without the right token is answered 401 at once, one
that declares a body over the cap (`Content-Length`) is answered 413 at once, and a body that
grows past the cap while streaming (chunked) is cut off with 413 at the first chunk too many.
Probes and `/metrics` stay open: only paths under `/v1/` are gated. A path may have its own
cap (`path_limits`): the batch check carries hundreds of checks in one body.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from fastapi import HTTPException
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_MAX_BODY_BYTES = 16 * 1024
"""Every API body is a few hundred bytes; 16 KiB leaves room without inviting abuse."""
UNAUTHORISED = "missing or invalid bearer token"


def too_large(limit: int) -> str:
    return f"request body larger than {limit} bytes"


class RequestGate:
    """`token=None` lets every request through the token check (the CLI's insecure mode)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        token: str | None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        prefix: str = "/v1/",
        path_limits: Mapping[str, int] | None = None,
    ) -> None:
        self._app = app
        self._expected = None if token is None else f"Bearer {token}".encode()
        self._limit = max_body_bytes
        self._prefix = prefix
        self._path_limits = dict(path_limits or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope["path"]).startswith(self._prefix):
            await self._app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        limit = self._path_limits.get(str(scope["path"]), self._limit)
        refusal = self._refusal(headers, limit)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self._app(scope, self._capped(receive, limit), send)

    def _refusal(self, headers: Headers, limit: int) -> JSONResponse | None:
        if self._expected is not None:
            given = headers.get("authorization", "").encode("latin-1")
            if not hmac.compare_digest(given, self._expected):
                return _problem(401, UNAUTHORISED, {"WWW-Authenticate": "Bearer"})
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.isdigit():
                return _problem(400, "invalid Content-Length header")
            if int(declared) > limit:
                return _problem(413, too_large(limit))
        return None

    def _capped(self, receive: Receive, limit: int) -> Receive:
        """FastAPI re-raises an HTTPException from the body stream as it is, so this 413
        reaches the client instead of a generic 400 parse error."""
        seen = 0

        async def capped() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise HTTPException(status_code=413, detail=too_large(limit))
            return message

        return capped


def _problem(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    # Connection: close, because the unread body would otherwise be parsed as the next request
    return JSONResponse(
        {"detail": detail}, status_code=status, headers={**(headers or {}), "Connection": "close"}
    )
