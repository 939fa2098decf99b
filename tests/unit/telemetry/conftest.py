"""Telemetry fixtures: a Prometheus-backed `Telemetry` and an app serving its routes."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from crpbot.telemetry.health import Readiness, health_router
from crpbot.telemetry.metrics import Telemetry


@pytest.fixture
def readiness() -> Readiness:
    return Readiness()


@pytest.fixture
def client(telemetry: Telemetry, readiness: Readiness) -> TestClient:
    app = FastAPI()
    app.include_router(health_router(readiness, telemetry=telemetry))
    return TestClient(app)


Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: TestClient) -> Samples:
    """Every sample of `/metrics`, keyed by (series name, label set)."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }
