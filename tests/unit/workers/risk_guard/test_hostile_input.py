"""Bodies that lie about their values, and event times the guard must not trust: every one is
a 4xx with a one-line reason, never a 500 and never a silently wrong number."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.workers.risk_guard.conftest import AUTH, WALL_CLOCK

Body = Callable[..., dict[str, Any]]

ABSURD_TS = [
    "0001-01-01T00:00:00+01:00",
    "0001-01-01T00:30:00+14:00",
    "0001-01-01T00:00:00Z",
    "0001-01-02T00:00:00-12:00",
    "1969-12-31T23:59:59Z",
    "9999-12-31T23:59:59-01:00",
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59+14:00",
]


def _refused(response: Any) -> str:
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail and "\n" not in detail
    return detail


@pytest.mark.parametrize("ts", ABSURD_TS)
def test_equity_with_absurd_ts_is_422_not_500(
    client: TestClient, equity_body: Body, ts: str
) -> None:
    _refused(client.post("/v1/equity", json=equity_body(ts=ts), headers=AUTH))


@pytest.mark.parametrize("ts", ABSURD_TS)
def test_check_with_absurd_ts_is_422_not_500(opened: TestClient, check_body: Body, ts: str) -> None:
    _refused(opened.post("/v1/check", json=check_body(ts=ts), headers=AUTH))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("confidence", True),
        ("confidence", "0.7"),
        ("entry", True),
        ("entry", "100"),
        ("stop", False),
        ("confidence", 1.5),
        ("confidence", -0.1),
        ("entry", 1.0e13),
        ("entry", 0.0),
        ("stop", -1.0),
        ("entry", 5e-324),
        ("tier", "HIGH"),
        ("tier", 1),
        ("side", "buy"),
        ("symbol", "btc-usd"),
        ("symbol", "B" * 33),
        ("account", ""),
        ("account", "a b"),
        ("account", "x" * 65),
        ("ts", 1705320000),
        ("ts", "2024-01-15T12:00:00"),
    ],
)
def test_check_with_a_value_that_is_not_what_it_claims_is_422(
    opened: TestClient, check_body: Body, field: str, value: Any
) -> None:
    detail = _refused(opened.post("/v1/check", json=check_body(**{field: value}), headers=AUTH))
    assert field in detail


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("balance", 1.7e308),
        ("balance", 1.0e13),
        ("balance", 0.0),
        ("balance", True),
        ("balance", "100000"),
        ("equity", 1.7e308),
        ("equity", -1.0),
        ("equity", False),
    ],
)
def test_equity_with_a_value_that_is_not_what_it_claims_is_422(
    client: TestClient, equity_body: Body, field: str, value: Any
) -> None:
    detail = _refused(client.post("/v1/equity", json=equity_body(**{field: value}), headers=AUTH))
    assert field in detail


def test_equity_zero_and_integer_money_are_accepted(client: TestClient, equity_body: Body) -> None:
    """A wiped-out account (equity 0) is a fact to record; JSON integers are numbers."""
    response = client.post("/v1/equity", json=equity_body(balance=100_000, equity=0), headers=AUTH)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "breached_total"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    balance=st.floats(allow_nan=False, allow_infinity=False, min_value=1.0, max_value=1e12),
    equity=st.floats(allow_nan=False, allow_infinity=False, min_value=0.0, max_value=1e12),
)
def test_accepted_equity_gives_finite_floors(
    client: TestClient, equity_body: Body, balance: float, equity: float
) -> None:
    body = equity_body(account="prop-acc", balance=balance, equity=equity)
    response = client.post("/v1/equity", json=body, headers=AUTH)
    assert response.status_code == 200, response.text
    state = response.json()
    for name in ("daily_floor", "total_floor", "target_balance", "headroom"):
        assert isinstance(state[name], float) and abs(state[name]) < 1e13


def test_check_with_a_future_ts_beyond_the_skew_is_refused_and_does_not_lock_out(
    opened: TestClient, check_body: Body, equity_body: Body
) -> None:
    future = (WALL_CLOCK.now + WALL_CLOCK.skew * 2).isoformat()
    detail = _refused(opened.post("/v1/check", json=check_body(ts=future), headers=AUTH))
    assert "ahead" in detail
    now = WALL_CLOCK.now.isoformat()
    assert opened.post("/v1/equity", json=equity_body(ts=now), headers=AUTH).status_code == 200
    assert opened.post("/v1/check", json=check_body(ts=now), headers=AUTH).status_code == 200


def test_equity_with_a_future_ts_beyond_the_skew_is_refused(
    client: TestClient, equity_body: Body
) -> None:
    future = (WALL_CLOCK.now + WALL_CLOCK.skew * 2).isoformat()
    assert "ahead" in _refused(client.post("/v1/equity", json=equity_body(ts=future), headers=AUTH))
    state = client.get("/v1/state", params={"account": "ftmo-1"}, headers=AUTH)
    assert state.status_code == 404, "a refused first report opens no account"


def test_ts_within_the_skew_and_past_replays_are_accepted(
    client: TestClient, equity_body: Body
) -> None:
    soon = (WALL_CLOCK.now + WALL_CLOCK.skew / 2).isoformat()
    past = equity_body(account="replay", ts="2019-03-01T00:00:00Z")
    assert client.post("/v1/equity", json=past, headers=AUTH).status_code == 200
    assert client.post("/v1/equity", json=equity_body(ts=soon), headers=AUTH).status_code == 200
