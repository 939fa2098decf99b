"""Liveness and readiness for every long-running crpbot service.

Kubernetes restarts a pod whose `/healthz` fails and stops routing to one whose `/readyz`
fails; the two must differ: a service whose database is down is alive (restarting it will not
bring the database back) but not ready. `Readiness` holds the named dependency checks, and
`health_router` gives each service the same three routes, `/metrics` included, so probes,
alerts and scrape configs are written once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from crpbot.telemetry.metrics import Telemetry, get_telemetry
from crpbot.telemetry.redact import redact_text

log = logging.getLogger(__name__)

Check = Callable[[], bool]


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One dependency's state; `detail` says why it failed (secrets redacted)."""

    name: str
    ok: bool
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ReadinessReport:
    """Every dependency's state at one moment."""

    checks: tuple[CheckResult, ...]

    @property
    def ready(self) -> bool:
        """True when no dependency is down (also with no dependencies at all)."""
        return all(check.ok for check in self.checks)

    @property
    def failing(self) -> tuple[str, ...]:
        """Names of the dependencies that are down."""
        return tuple(check.name for check in self.checks if not check.ok)


def _run(name: str, check: Check) -> CheckResult:
    try:
        ok = bool(check())
    except Exception as exc:
        detail = redact_text(f"{type(exc).__name__}: {exc}")
        log.warning("readiness check failed", extra={"dependency": name, "error": detail})
        return CheckResult(name, False, detail)
    return CheckResult(name, ok, "" if ok else "check returned false")


class Readiness:
    """Named dependency checks, run on every `/readyz` request; keep each check quick.

    A check is a callable returning True when its dependency is usable; raising counts as
    down. `set` covers dependencies whose state is pushed by a watcher instead of polled.
    """

    def __init__(self) -> None:
        self._checks: dict[str, Check] = {}
        self._lock = threading.Lock()

    def register(self, name: str, check: Check) -> None:
        """Add or replace the check of dependency `name`."""
        with self._lock:
            self._checks[name] = check

    def set(self, name: str, ok: bool) -> None:
        """Record the pushed state of dependency `name`."""
        self.register(name, lambda: ok)

    def report(self) -> ReadinessReport:
        """Run every check now."""
        with self._lock:
            checks = list(self._checks.items())
        return ReadinessReport(tuple(_run(name, check) for name, check in checks))


def _metrics_response(telemetry: Telemetry | None) -> Response:
    registry = (telemetry or get_telemetry()).registry
    if registry is None:
        return PlainTextResponse("metrics are not served here (exporter is not prometheus)\n", 404)
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def health_router(
    readiness: Readiness, metrics: bool = True, telemetry: Telemetry | None = None
) -> APIRouter:
    """`/healthz`, `/readyz` and (with `metrics`) `/metrics`, for `app.include_router`.

    `/metrics` serves `telemetry`'s registry, or the process default's at request time, so the
    router can be built before `setup_telemetry` runs. Handlers are sync: FastAPI runs them in
    its thread pool, so a blocking check cannot stall the event loop.
    """
    router = APIRouter(tags=["health"])

    @router.get("/healthz")
    def healthz() -> dict[str, bool]:
        return {"ok": True}

    @router.get("/readyz")
    def readyz() -> JSONResponse:
        report = readiness.report()
        body = {
            "ready": report.ready,
            "failing": list(report.failing),
            "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in report.checks},
        }
        return JSONResponse(body, status_code=200 if report.ready else 503)

    if metrics:

        @router.get("/metrics")
        def prometheus() -> Response:
            return _metrics_response(telemetry)

    return router
