"""Liveness and readiness for every long-running crpbot service.

Kubernetes restarts a pod whose `/healthz` fails and stops routing to one whose `/readyz`
fails; the two must differ: a service whose database is down is alive (restarting it will not
bring the database back) but not ready. `Readiness` (in `.readiness`) holds the named
dependency checks, and `health_router` gives each service the same three routes, `/metrics`
included, so probes, alerts and scrape configs are written once.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from crpbot.telemetry.metrics import Telemetry, get_telemetry
from crpbot.telemetry.readiness import CheckResult, Readiness, ReadinessReport

__all__ = ["CheckResult", "Readiness", "ReadinessReport", "health_router"]


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
