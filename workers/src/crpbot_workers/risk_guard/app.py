"""Risk-guard HTTP API (DESIGN.md): `/v1/equity`, `/v1/check`, `/v1/state`, probes, metrics.

Handlers are thin: parse, call `RiskGuardService`, map its errors to status codes. Handlers
are plain `def`, so FastAPI runs the blocking database work in its thread pool.
"""

from __future__ import annotations

import hmac
import logging
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.exc import SQLAlchemyError

from crpbot.services.risk_guard import RiskGuardService, StaleEventError, UnknownAccountError
from crpbot_workers.risk_guard.metrics import GuardMetrics
from crpbot_workers.risk_guard.schemas import (
    CheckBody,
    EquityBody,
    decision_payload,
    state_payload,
)

log = logging.getLogger(__name__)
_bearer = HTTPBearer(auto_error=False)


def create_app(service: RiskGuardService, *, token: str | None) -> FastAPI:
    """`token=None` serves without authentication (the CLI allows it only when asked to)."""
    app = FastAPI(title="crpbot risk guard", version="1")
    metrics = GuardMetrics()
    authorised = [Depends(_require_token(token))] if token is not None else []
    _install_error_handlers(app, metrics)

    @app.post("/v1/equity", dependencies=authorised)
    def post_equity(body: EquityBody) -> dict[str, Any]:
        state = service.record_equity(body.to_domain())
        metrics.observe_state(body.account, state)
        return state_payload(body.account, state)

    @app.post("/v1/check", dependencies=authorised)
    def post_check(body: CheckBody) -> dict[str, Any]:
        decision = service.check(body.to_domain())
        metrics.observe_decision(body.account, decision)
        return decision_payload(body.account, decision)

    @app.get("/v1/state", dependencies=authorised)
    def get_state(account: Annotated[str, Query(min_length=1, max_length=64)]) -> dict[str, Any]:
        return state_payload(account, service.state(account))

    @app.get("/healthz")
    def healthz() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/readyz")
    def readyz() -> JSONResponse:
        ready = service.ready()
        return JSONResponse({"ready": ready}, status_code=200 if ready else 503)

    @app.get("/metrics")
    def prometheus() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app


def _require_token(token: str) -> Any:
    expected = token.encode()

    def check(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> None:
        given = b"" if credentials is None else credentials.credentials.encode()
        if credentials is None or not hmac.compare_digest(given, expected):
            raise HTTPException(
                status_code=401,
                detail="missing or invalid bearer token",
                headers={"WWW-Authenticate": "Bearer"},
            )

    return check


def _install_error_handlers(app: FastAPI, metrics: GuardMetrics) -> None:
    @app.exception_handler(StaleEventError)
    def stale(_: Request, exc: StaleEventError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=409)

    @app.exception_handler(UnknownAccountError)
    def unknown(_: Request, exc: UnknownAccountError) -> JSONResponse:
        return JSONResponse({"detail": str(exc.args[0])}, status_code=404)

    @app.exception_handler(RequestValidationError)
    def malformed(_: Request, exc: RequestValidationError) -> JSONResponse:
        reasons = [_describe(err) for err in exc.errors()]
        return JSONResponse({"detail": "; ".join(reasons), "errors": reasons}, status_code=422)

    @app.exception_handler(SQLAlchemyError)
    def database_down(_: Request, exc: SQLAlchemyError) -> JSONResponse:
        metrics.observe_error()
        log.error("database error", extra={"error": type(exc).__name__})
        return JSONResponse({"detail": "database unavailable"}, status_code=503)


def _describe(error: Any) -> str:
    where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
    return f"{where or 'body'}: {error.get('msg', 'invalid')}"
