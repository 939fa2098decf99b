"""Fuzz the risk guard's HTTP API from its own OpenAPI schema, against the real server
(`crpbot risk-guard serve` under uvicorn, on a SQLite file, token set): valid and invalid
bodies, queries and headers alike must never get a 5xx or an answer its schema does not
declare, and data the schema calls invalid must be refused."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.case import Case
from schemathesis.generation.modes import GenerationMode
from schemathesis.schemas import BaseSchema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration.risk_guard.processes import TOKEN, GuardProcess

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
]


OPERATIONS = [("POST", "/v1/equity"), ("POST", "/v1/check"), ("GET", "/v1/state")]


@pytest.fixture(scope="session")
def guard_schema(live_guard: GuardProcess) -> BaseSchema:
    return schemathesis.openapi.from_url(f"{live_guard.url}/openapi.json")


def test_guard_schema_declares_every_refusal(guard_schema: BaseSchema) -> None:
    declared = guard_schema.raw_schema["paths"]["/v1/check"]["post"]["responses"]
    assert {"200", "401", "409", "413", "422", "503"} <= set(declared)


@pytest.mark.parametrize("mode", list(GenerationMode), ids=str)
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=lambda v: str(v))
def test_guard_api_answers_generated_requests_within_its_schema(
    guard_schema: BaseSchema, live_guard: GuardProcess, method: str, path: str, mode: GenerationMode
) -> None:
    operation = guard_schema[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def fuzz(case: Case) -> None:
        case.call_and_validate(
            base_url=live_guard.url,
            headers={"Authorization": f"Bearer {TOKEN}"},
            checks=CHECKS,
            timeout=10,
        )

    fuzz()
