"""Risk-guard HTTP API: `/v1/equity`, `/v1/check`, `/v1/state`, probes, metrics.

Handlers are thin: parse, call `RiskGuardService`, map its errors to status codes. Handlers
are plain `def`, so FastAPI runs the blocking database work in its thread pool; they return
their answer already serialised (validated by its response model in that same thread), and
the token dependency is `async`, so a request hops to a thread once, not three times. The token and
the body size are checked by `RequestGate` before any of the body is read. A bad field, an
event time out of range or too far ahead of the guard's clock are all 422 with a one-line
`detail`; a stale event time stays 409. Refused event times are counted per account
(`crpbot_risk_refusals_total`) and `RefusalWatch` alerts when one account keeps sending them.
Probes and `/metrics` come from the shared `health_router`, so the guard is scraped and
probed like every other crpbot service; its readiness is the database's, which holds all of
its state.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Annotated, Any

from anyio.to_thread import current_default_thread_limiter
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from crpbot.clock import utcnow
from crpbot.notify.alerts import Alert
from crpbot.notify.base import Notifier
from crpbot.notify.refusal_watch import RefusalWatch
from crpbot.notify.risk_watch import RiskAlertWatch
from crpbot.risk import Decision, GuardState
from crpbot.services.risk_guard import (
    FutureEventError,
    RiskGuardService,
    StaleEventError,
    UnknownAccountError,
)
from crpbot.telemetry.health import Readiness, health_router
from crpbot.telemetry.metrics import Telemetry, get_telemetry
from crpbot_workers.risk_guard.gate import DEFAULT_MAX_BODY_BYTES, UNAUTHORISED, RequestGate
from crpbot_workers.risk_guard.schemas import (
    ACCOUNT_PATTERN,
    BATCH_ITEM_BYTES,
    DEFAULT_MAX_BATCH_CHECKS,
    CheckBatchBody,
    CheckBody,
    DecisionOut,
    DecisionsOut,
    EquityBody,
    StateOut,
    decision_payload,
    problems,
    state_payload,
)

log = logging.getLogger(__name__)
_bearer = HTTPBearer(auto_error=False)


def create_app(
    service: RiskGuardService,
    *,
    token: str | None,
    telemetry: Telemetry | None = None,
    readiness: Readiness | None = None,
    notifier: Notifier | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    max_batch_checks: int = DEFAULT_MAX_BATCH_CHECKS,
    refusals: RefusalWatch | None = None,
    clock: Callable[[], datetime] = utcnow,
    concurrency: int | None = None,
) -> FastAPI:
    """`token=None` serves without authentication (the CLI allows it only when asked to).

    Metrics go to `telemetry`, else to the process default (`setup_telemetry`) at the time of
    each request; `readiness` gains a `database` check (a fresh one is made when not given);
    `notifier` hears once each time an account gets halted for the day or breaches its floor,
    and once when `refusals` (default: 5 in 10 min) sees an account's event times keep being
    refused, by wall time `clock`. `concurrency` caps the handlers running at once (the
    process's thread pool, which the guard owns: see `_threads`); None keeps anyio's 40.
    """
    app = FastAPI(title="crpbot risk guard", version="1", lifespan=_threads(concurrency))
    app.add_middleware(
        RequestGate,
        token=token,
        max_body_bytes=max_body_bytes,
        path_limits={"/v1/check/batch": max_batch_checks * BATCH_ITEM_BYTES},
    )
    checks = readiness or Readiness()
    checks.register("database", service.ready)
    watch = RiskAlertWatch()
    refused = refusals or RefusalWatch(5, timedelta(minutes=10))

    def send(alert: Alert | None) -> None:
        if alert is not None and notifier is not None:
            notifier.notify(alert)

    def alert_on(account: str, state: GuardState, ts: datetime) -> None:
        send(watch.observe(account, state, ts))

    def counts() -> Telemetry:
        return telemetry or get_telemetry()

    def on_refused(account: str, reason: str) -> None:
        counts().record_refusal(account, reason)
        log.warning("event time refused", extra={"account": account, "reason": reason})
        send(refused.observe(account, reason, clock()))

    authorised = [Depends(_require_token(token))] if token is not None else []
    _install_error_handlers(app, counts, on_refused)
    refusal_codes = (400, 401, 404, 409, 413, 422, 503)

    @app.post(
        "/v1/equity",
        dependencies=authorised,
        response_model=StateOut,
        responses=problems(*(c for c in refusal_codes if c != 404)),
    )
    def post_equity(body: EquityBody) -> Response:
        state = service.record_equity(body.to_domain())
        observe_state(counts(), body.account, state)
        alert_on(body.account, state, body.ts)
        return _serialised(StateOut, state_payload(body.account, state))

    @app.post(
        "/v1/check",
        dependencies=authorised,
        response_model=DecisionOut,
        responses=problems(*refusal_codes),
    )
    def post_check(body: CheckBody) -> Response:
        decision = service.check(body.to_domain())
        observe_decision(counts(), body.account, decision)
        alert_on(body.account, decision.state, body.ts)
        return _serialised(DecisionOut, decision_payload(body.account, decision))

    def observe(account: str, decision: Decision, ts: datetime) -> None:
        observe_decision(counts(), account, decision)
        alert_on(account, decision.state, ts)

    _add_batch_route(app, service, authorised, max_batch_checks, observe)

    @app.get(
        "/v1/state",
        dependencies=authorised,
        response_model=StateOut,
        responses=problems(401, 404, 422, 503),
    )
    def get_state(
        account: Annotated[str, Query(min_length=1, max_length=64, pattern=ACCOUNT_PATTERN)],
    ) -> Response:
        return _serialised(StateOut, state_payload(account, service.state(account)))

    app.include_router(health_router(checks, telemetry=telemetry))
    return app


def _threads(concurrency: int | None) -> Callable[[FastAPI], Any]:
    """Run at most `concurrency` handlers at once, the rest waiting in the event loop: a check
    is mostly Python work under one GIL, so threads beyond the database connections that can
    be busy only take the GIL from each other (measured: 16 clients on 40 threads got fewer
    checks/s and a longer p99 than on 4 to 8)."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if concurrency is not None:
            current_default_thread_limiter().total_tokens = concurrency
        yield

    return lifespan


def _add_batch_route(
    app: FastAPI,
    service: RiskGuardService,
    authorised: list[Any],
    max_batch_checks: int,
    observe: Callable[[str, Decision, datetime], None],
) -> None:
    @app.post(
        "/v1/check/batch",
        dependencies=authorised,
        response_model=DecisionsOut,
        responses=problems(400, 401, 404, 409, 413, 422, 503),
    )
    def post_check_batch(body: CheckBatchBody) -> Response:
        """Many checks in one transaction; answers in the order sent. Decided by account,
        then event time, then as sent, each seeing the approvals before it; refused as a
        whole (nothing stored) when any check would be refused on its own."""
        if len(body.checks) > max_batch_checks:
            raise HTTPException(
                status_code=422,
                detail=f"checks: at most {max_batch_checks} per batch, got {len(body.checks)}",
            )
        decisions = service.check_batch(body.to_domain())
        for check, decision in zip(body.checks, decisions, strict=True):
            observe(check.account, decision, check.ts)
        payloads = [
            decision_payload(c.account, d) for c, d in zip(body.checks, decisions, strict=True)
        ]
        return _serialised(DecisionsOut, {"decisions": payloads})


def _serialised(model: type[BaseModel], payload: dict[str, Any]) -> Response:
    """`payload` checked against and written by the route's response model, as FastAPI would
    (which does it in one more trip to the thread pool for a plain `def` handler)."""
    return Response(model.model_validate(payload).model_dump_json(), media_type="application/json")


def observe_state(telemetry: Telemetry, account: str, state: GuardState) -> None:
    """Equity and the distance to both FTMO floors, as of the guard's newest event."""
    telemetry.set_equity(
        account,
        state.equity,
        daily_headroom=state.equity - state.daily_floor,
        total_headroom=state.equity - state.total_floor,
    )


def observe_decision(telemetry: Telemetry, account: str, decision: Decision) -> None:
    """Every reason code of a rejection, and the state after the decision."""
    for reason in decision.reasons:
        telemetry.record_rejection(str(reason))
    observe_state(telemetry, account, decision.state)


def _require_token(token: str) -> Any:
    expected = token.encode()

    async def check(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> None:
        given = b"" if credentials is None else credentials.credentials.encode()
        if credentials is None or not hmac.compare_digest(given, expected):
            raise HTTPException(
                status_code=401,
                detail=UNAUTHORISED,
                headers={"WWW-Authenticate": "Bearer"},
            )

    return check


def _install_error_handlers(
    app: FastAPI, counts: Callable[[], Telemetry], on_refused: Callable[[str, str], None]
) -> None:
    @app.exception_handler(StaleEventError)
    def stale(_: Request, exc: StaleEventError) -> JSONResponse:
        on_refused(exc.account, "stale_ts")
        return JSONResponse({"detail": str(exc)}, status_code=409)

    @app.exception_handler(FutureEventError)
    def ahead(_: Request, exc: FutureEventError) -> JSONResponse:
        on_refused(exc.account, "future_ts")
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.exception_handler(UnknownAccountError)
    def unknown(_: Request, exc: UnknownAccountError) -> JSONResponse:
        return JSONResponse({"detail": str(exc.args[0])}, status_code=404)

    @app.exception_handler(RequestValidationError)
    def malformed(_: Request, exc: RequestValidationError) -> JSONResponse:
        reasons = [_describe(err) for err in exc.errors()]
        return JSONResponse({"detail": "; ".join(reasons), "errors": reasons}, status_code=422)

    @app.exception_handler(SQLAlchemyError)
    def database_down(_: Request, exc: SQLAlchemyError) -> JSONResponse:
        counts().count_error("risk_guard")
        log.error("database error", extra={"error": type(exc).__name__})
        return JSONResponse({"detail": "database unavailable"}, status_code=503)


def _describe(error: Any) -> str:
    where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
    return f"{where or 'body'}: {error.get('msg', 'invalid')}"
