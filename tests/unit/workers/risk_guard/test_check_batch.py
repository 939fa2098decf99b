"""`POST /v1/check/batch`: one round trip, the answers of the same checks sent one by one,
refused as a whole, gated like every API path (token, its own body cap, a count limit)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from crpbot.db.engine import make_engine, upgrade
from crpbot.risk import RiskLimits
from crpbot.services.risk_guard import RiskGuardService
from crpbot_workers.risk_guard.app import create_app
from crpbot_workers.risk_guard.schemas import BATCH_ITEM_BYTES
from tests.unit.workers.risk_guard.conftest import AUTH, TOKEN, WALL_CLOCK

Body = Callable[..., dict[str, Any]]
TIERS = ("high", "low", "high", "medium", "high", "high", "low", "high", "high", "low")


def _checks(check_body: Body, count: int) -> list[dict[str, Any]]:
    return [
        check_body(symbol=f"S{i}-USD", tier=TIERS[i % len(TIERS)], stop=99.99) for i in range(count)
    ]


def _guard(tmp_path: Path, name: str, **app: Any) -> TestClient:
    url = f"sqlite:///{tmp_path / f'{name}.db'}"
    upgrade(url)
    service = RiskGuardService(
        make_engine(url),
        RiskLimits(risk_per_trade_pct=0.1, signals_per_hour=6, high_tier_per_hour=3),
        clock=WALL_CLOCK,
        max_clock_skew=WALL_CLOCK.skew,
    )
    return TestClient(create_app(service, token=TOKEN, **app))


def test_batch_answers_equal_the_same_checks_one_by_one(
    tmp_path: Path, equity_body: Body, check_body: Body
) -> None:
    checks = _checks(check_body, 14)
    with _guard(tmp_path, "batch") as batch, _guard(tmp_path, "single") as single:
        for client in (batch, single):
            assert client.post("/v1/equity", json=equity_body(), headers=AUTH).status_code == 200
        response = batch.post("/v1/check/batch", json={"checks": checks}, headers=AUTH)
        one_by_one = [single.post("/v1/check", json=c, headers=AUTH).json() for c in checks]
        state = batch.get("/v1/state", params={"account": "ftmo-1"}, headers=AUTH).json()

    assert response.status_code == 200
    assert response.json()["decisions"] == one_by_one
    approved = [d["approved"] for d in one_by_one]
    assert sum(approved) == 6 and not all(approved[:7]), "both rate limits bind in the batch"
    assert state["signals_last_hour"] == 6


def test_batch_decides_by_account_then_event_time(
    opened: TestClient, equity_body: Body, check_body: Body
) -> None:
    """Sent newest first, decided oldest first: nothing is refused as stale, and the state
    after the last decision is the newest event's."""
    assert opened.post("/v1/equity", json=equity_body(account="b-acct"), headers=AUTH)
    later = check_body(ts="2024-01-15T12:30:00Z")
    other = check_body(account="b-acct")
    earlier = check_body(ts="2024-01-15T12:10:00Z")
    response = opened.post(
        "/v1/check/batch", json={"checks": [later, other, earlier]}, headers=AUTH
    )

    assert response.status_code == 200
    decisions = response.json()["decisions"]
    assert [d["state"]["account"] for d in decisions] == ["ftmo-1", "b-acct", "ftmo-1"]
    assert [d["state"]["signals_last_hour"] for d in decisions] == [2, 1, 1]


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"account": "nobody"}, 404),
        ({"ts": "2024-01-15T11:00:00Z"}, 409),
        ({"ts": "2024-01-17T00:00:00Z"}, 422),
        ({"entry": True}, 422),
    ],
    ids=["unknown-account", "stale", "future", "malformed"],
)
def test_one_refused_check_refuses_the_whole_batch(
    opened: TestClient, check_body: Body, change: dict[str, Any], status: int
) -> None:
    assert opened.post("/v1/check", json=check_body(), headers=AUTH).status_code == 200
    checks = [check_body(symbol="ETH-USD"), check_body(**change)]
    response = opened.post("/v1/check/batch", json={"checks": checks}, headers=AUTH)

    assert response.status_code == status
    state = opened.get("/v1/state", params={"account": "ftmo-1"}, headers=AUTH).json()
    assert state["signals_last_hour"] == 1, "nothing of a refused batch is kept"


def test_batch_needs_the_token(opened: TestClient, check_body: Body) -> None:
    response = opened.post("/v1/check/batch", json={"checks": [check_body()]})
    assert response.status_code == 401


def test_batch_over_the_count_limit_is_refused(
    tmp_path: Path, equity_body: Body, check_body: Body
) -> None:
    with _guard(tmp_path, "small", max_batch_checks=3) as client:
        client.post("/v1/equity", json=equity_body(), headers=AUTH)
        ok = client.post("/v1/check/batch", json={"checks": _checks(check_body, 3)}, headers=AUTH)
        over = client.post("/v1/check/batch", json={"checks": _checks(check_body, 4)}, headers=AUTH)
        empty = client.post("/v1/check/batch", json={"checks": []}, headers=AUTH)

    assert ok.status_code == 200
    assert over.status_code == 422 and "at most 3" in over.json()["detail"]
    assert empty.status_code == 422


def test_batch_has_its_own_body_cap(tmp_path: Path, equity_body: Body, check_body: Body) -> None:
    """Bigger than `max_body_bytes` (a batch of 40 is ~8 KB over a 1 KiB cap), refused past
    `max_batch_checks` x BATCH_ITEM_BYTES, before the body is read."""
    with _guard(tmp_path, "cap", max_body_bytes=1024, max_batch_checks=40) as client:
        client.post("/v1/equity", json=equity_body(), headers=AUTH)
        fits = client.post(
            "/v1/check/batch", json={"checks": _checks(check_body, 40)}, headers=AUTH
        )
        padded = b" " * (40 * BATCH_ITEM_BYTES + 1)
        too_big = client.post(
            "/v1/check/batch", content=padded, headers={**AUTH, "Content-Type": "application/json"}
        )
        single = client.post("/v1/check", content=b" " * 1025, headers=AUTH)

    assert fits.status_code == 200
    assert too_big.status_code == 413
    assert single.status_code == 413, "the single check keeps max_body_bytes"
