"""The HTTP API through FastAPI's TestClient: auth, status codes, approvals, rate limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from anyio.to_thread import current_default_thread_limiter
from fastapi.testclient import TestClient

from crpbot.db.engine import make_engine
from crpbot.risk import RiskLimits
from crpbot.services.risk_guard import RiskGuardService
from crpbot_workers.risk_guard.app import create_app

TOKEN = "test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
Body = Callable[..., dict[str, Any]]


def _minute(i: int) -> str:
    return f"2024-01-15T12:{i:02d}:00Z"


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}],
    ids=["none", "wrong", "basic"],
)
def test_api_requires_the_bearer_token(
    client: TestClient, equity_body: Body, check_body: Body, headers: dict[str, str]
) -> None:
    assert client.post("/v1/equity", json=equity_body(), headers=headers).status_code == 401
    assert client.post("/v1/check", json=check_body(), headers=headers).status_code == 401
    response = client.get("/v1/state", params={"account": "ftmo-1"}, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_probes_and_metrics_need_no_token(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"ok": True}
    assert client.get("/readyz").json()["ready"] is True
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")


def test_readyz_is_false_when_the_database_is_unreachable() -> None:
    engine = make_engine("postgresql://nobody@127.0.0.1:9/x", connect_args={"connect_timeout": 1})
    app = create_app(RiskGuardService(engine, RiskLimits()), token=TOKEN)
    with TestClient(app) as client:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["ready"] is False and response.json()["failing"] == ["database"]
        assert client.get("/healthz").status_code == 200
    engine.dispose()


def test_equity_returns_the_account_state(client: TestClient, equity_body: Body) -> None:
    response = client.post("/v1/equity", json=equity_body(equity=99_000.0), headers=AUTH)
    assert response.status_code == 200
    state = response.json()
    assert state["status"] == "active"
    assert state["daily_floor"] == 95_000.0
    assert state["total_floor"] == 90_000.0
    assert state["equity"] == 99_000.0
    assert (state["signals_last_hour"], state["high_tier_last_hour"]) == (0, 0)
    assert state["day_start"] == "2024-01-14T23:00:00+00:00"


def test_check_approves_with_size_and_counts_it(opened: TestClient, check_body: Body) -> None:
    response = opened.post("/v1/check", json=check_body(tier="high"), headers=AUTH)
    assert response.status_code == 200
    answer = response.json()
    assert set(answer) == {"approved", "reasons", "size", "state"}
    assert answer["approved"] is True and answer["reasons"] == []
    assert answer["size"] == pytest.approx(100.0)
    state = opened.get("/v1/state", params={"account": "ftmo-1"}, headers=AUTH).json()
    assert (state["signals_last_hour"], state["high_tier_last_hour"]) == (1, 1)
    assert state["open_risk"] == pytest.approx(100.0)


def test_rate_limits_reject_with_reason_codes(opened: TestClient, check_body: Body) -> None:
    def check(i: int, tier: str) -> dict[str, Any]:
        body = check_body(ts=_minute(i), tier=tier, symbol=f"S{i % 4}-USD")
        result: dict[str, Any] = opened.post("/v1/check", json=body, headers=AUTH).json()
        return result

    high = [check(i, "high") for i in range(6)]
    assert [a["approved"] for a in high] == [True] * 5 + [False]
    assert high[-1]["reasons"] == ["rate_limit_high_tier"]
    rest = [check(i, "low") for i in range(6, 12)]
    assert [a["approved"] for a in rest] == [True] * 5 + [False]
    assert rest[-1]["reasons"] == ["rate_limit_signals"]
    assert rest[-1]["size"] == 0.0
    metrics = opened.get("/metrics").text
    assert 'crpbot_risk_rejections_total{reason="rate_limit_signals"} 1.0' in metrics
    assert 'crpbot_risk_rejections_total{reason="rate_limit_high_tier"} 1.0' in metrics


def test_older_ts_is_a_conflict(opened: TestClient, check_body: Body, equity_body: Body) -> None:
    late = check_body(ts="2024-01-15T13:00:00+01:00")  # 12:00Z, same instant: accepted
    assert opened.post("/v1/check", json=late, headers=AUTH).status_code == 200
    stale = opened.post("/v1/check", json=check_body(ts="2024-01-15T11:59:59Z"), headers=AUTH)
    assert stale.status_code == 409
    assert "older than the newest" in stale.json()["detail"]
    old_equity = equity_body(ts="2024-01-15T11:00:00Z")
    assert opened.post("/v1/equity", json=old_equity, headers=AUTH).status_code == 409


def test_unknown_account_is_not_found(client: TestClient, check_body: Body) -> None:
    response = client.post("/v1/check", json=check_body(), headers=AUTH)
    assert response.status_code == 404
    assert "post /v1/equity first" in response.json()["detail"]
    assert client.get("/v1/state", params={"account": "x"}, headers=AUTH).status_code == 404


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ts": "2024-01-15T12:00:00"}, "ts"),
        ({"ts": "yesterday"}, "ts"),
        ({"side": "sideways"}, "side"),
        ({"tier": "ultra"}, "tier"),
        ({"entry": -1}, "entry"),
        ({"confidence": 1.2}, "confidence"),
        ({"symbol": "btc usd"}, "symbol"),
        ({"account": ""}, "account"),
        ({"leverage": 100}, "leverage"),
        ({"stop": None}, "stop"),
    ],
)
def test_malformed_check_is_422_with_a_reason(
    opened: TestClient, check_body: Body, overrides: dict[str, Any], field: str
) -> None:
    response = opened.post("/v1/check", json=check_body(**overrides), headers=AUTH)
    assert response.status_code == 422
    assert response.json()["detail"].startswith(f"{field}:")


def test_malformed_json_and_missing_fields_are_422(opened: TestClient, equity_body: Body) -> None:
    broken = opened.post(
        "/v1/equity", content=b"{not json", headers={**AUTH, "content-type": "application/json"}
    )
    assert broken.status_code == 422
    body = equity_body()
    del body["equity"]
    missing = opened.post("/v1/equity", json=body, headers=AUTH)
    assert missing.status_code == 422
    assert "equity: Field required" in missing.json()["detail"]


def test_stop_on_the_wrong_side_is_rejected_not_sized(opened: TestClient, check_body: Body) -> None:
    answer = opened.post("/v1/check", json=check_body(stop=101.0), headers=AUTH).json()
    assert answer == {**answer, "approved": False, "reasons": ["invalid_stop"], "size": 0.0}


def test_app_without_token_serves_openly(engine: Any, equity_body: Body) -> None:
    with TestClient(create_app(RiskGuardService(engine), token=None)) as client:
        assert client.post("/v1/equity", json=equity_body()).status_code == 200


@pytest.mark.parametrize("concurrency", [1, 8])
def test_concurrency_caps_the_handlers_thread_pool(concurrency: int) -> None:
    service = RiskGuardService(make_engine("sqlite://"))
    app = create_app(service, token=None, concurrency=concurrency)
    with TestClient(app) as served:
        tokens = served.portal.call(lambda: current_default_thread_limiter().total_tokens)
    assert tokens == concurrency
