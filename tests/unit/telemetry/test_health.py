"""`/healthz` stays 200 while the process runs; `/readyz` turns 503 while a dependency is down."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from crpbot.telemetry.health import Readiness, health_router


def test_health_readyz_ready_without_dependencies(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"ready": True, "failing": [], "checks": {}}


def test_health_readyz_flips_while_a_dependency_is_down(
    client: TestClient, readiness: Readiness
) -> None:
    database_up = [True]
    readiness.register("database", lambda: database_up[0])
    readiness.set("telegram", True)
    assert client.get("/readyz").status_code == 200

    database_up[0] = False
    down = client.get("/readyz")
    assert down.status_code == 503
    assert down.json()["failing"] == ["database"]
    assert down.json()["checks"]["telegram"]["ok"] is True
    assert client.get("/healthz").status_code == 200

    database_up[0] = True
    assert client.get("/readyz").status_code == 200


def test_health_readyz_a_raising_check_is_down_with_redacted_detail(
    client: TestClient, readiness: Readiness
) -> None:
    def ping() -> bool:
        raise ConnectionError("cannot reach postgresql://bot:hunter2@db:5432/crpbot")

    readiness.register("database", ping)
    response = client.get("/readyz")
    assert response.status_code == 503
    detail = response.json()["checks"]["database"]["detail"]
    assert detail.startswith("ConnectionError") and "hunter2" not in detail


def test_health_pushed_state_replaces_the_previous_one(readiness: Readiness) -> None:
    readiness.set("kubernetes", False)
    assert readiness.report().failing == ("kubernetes",)
    readiness.set("kubernetes", True)
    assert readiness.report().ready


def test_health_router_without_metrics_has_no_metrics_route(readiness: Readiness) -> None:
    app = FastAPI()
    app.include_router(health_router(readiness, metrics=False))
    client = TestClient(app)
    assert client.get("/healthz").json() == {"ok": True}
    assert client.get("/metrics").status_code == 404
