"""The guard's metrics through the shared telemetry: scraped from its own `/metrics`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from crpbot.db.engine import make_engine
from crpbot.risk import RiskLimits
from crpbot.services.risk_guard import RiskGuardService
from crpbot.telemetry.catalog import all_series
from crpbot.telemetry.metrics import Telemetry, setup_telemetry
from crpbot.telemetry.readiness import Readiness
from crpbot_workers.risk_guard.app import create_app

TOKEN = "test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
Body = Callable[..., dict[str, Any]]
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def _scrape(client: TestClient) -> Samples:
    response = client.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def _account(**labels: str) -> frozenset[tuple[str, str]]:
    return frozenset(labels.items())


def test_guard_metrics_equity_and_headroom_follow_the_account(
    client: TestClient, equity_body: Body
) -> None:
    client.post("/v1/equity", json=equity_body(), headers=AUTH)
    later = equity_body(equity=97_500.0, ts="2024-01-15T13:00:00Z")
    assert client.post("/v1/equity", json=later, headers=AUTH).status_code == 200
    samples = _scrape(client)
    account = _account(account="ftmo-1")
    assert samples[("crpbot_equity", account)] == 97_500.0
    assert samples[("crpbot_ftmo_daily_headroom", account)] == 2_500.0
    assert samples[("crpbot_ftmo_total_headroom", account)] == 7_500.0


def test_guard_metrics_count_each_rejection_reason(opened: TestClient, check_body: Body) -> None:
    wrong_stop = check_body(stop=101.0)
    assert opened.post("/v1/check", json=wrong_stop, headers=AUTH).json()["approved"] is False
    assert opened.post("/v1/check", json=wrong_stop, headers=AUTH).json()["approved"] is False
    assert opened.post("/v1/check", json=check_body(), headers=AUTH).json()["approved"] is True
    samples = _scrape(opened)
    assert samples[("crpbot_risk_rejections_total", _account(reason="invalid_stop"))] == 2
    rejections = [k for k in samples if k[0] == "crpbot_risk_rejections_total"]
    assert len(rejections) == 1


def test_guard_metrics_names_are_all_in_the_catalog(opened: TestClient, check_body: Body) -> None:
    opened.post("/v1/check", json=check_body(stop=101.0), headers=AUTH)
    names = {name for name, _ in _scrape(opened)}
    assert names and names <= all_series()


@pytest.fixture
def dead_engine() -> Iterator[Engine]:
    engine = make_engine("postgresql://nobody@127.0.0.1:9/x", connect_args={"connect_timeout": 1})
    yield engine
    engine.dispose()


def test_guard_database_failure_is_503_counted_and_not_ready(
    dead_engine: Engine, telemetry: Telemetry, equity_body: Body
) -> None:
    readiness = Readiness()
    readiness.set("telegram", True)
    app = create_app(
        RiskGuardService(dead_engine), token=TOKEN, telemetry=telemetry, readiness=readiness
    )
    with TestClient(app) as client:
        response = client.post("/v1/equity", json=equity_body(), headers=AUTH)
        assert response.status_code == 503
        assert response.json() == {"detail": "database unavailable"}
        assert _scrape(client)[("crpbot_errors_total", _account(component="risk_guard"))] == 1
        ready = client.get("/readyz").json()
        assert ready["failing"] == ["database"] and ready["checks"]["telegram"]["ok"] is True


def test_guard_without_telemetry_serves_the_process_default(
    engine: Engine, equity_body: Body
) -> None:
    setup_telemetry("prometheus", service="risk-guard")
    try:
        app = create_app(RiskGuardService(engine, RiskLimits()), token=TOKEN)
        with TestClient(app) as client:
            client.post("/v1/equity", json=equity_body(equity=99_000.0), headers=AUTH)
            assert _scrape(client)[("crpbot_equity", _account(account="ftmo-1"))] == 99_000.0
            setup_telemetry("none")
            assert client.get("/metrics").status_code == 404
    finally:
        setup_telemetry("none")
