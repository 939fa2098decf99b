"""Refused event times are counted per account and, once they repeat, alerted through the
guard's notifier: a client whose clock is off must not go unnoticed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from crpbot.notify.alerts import Alert, FailureAlert
from crpbot.notify.refusal_watch import RefusalWatch
from crpbot.risk import RiskLimits
from crpbot.services.risk_guard import RiskGuardService
from crpbot.telemetry.metrics import Telemetry
from crpbot_workers.risk_guard.app import create_app
from tests.unit.workers.risk_guard.conftest import AUTH, TOKEN, WALL_CLOCK

Body = Callable[..., dict[str, Any]]
THRESHOLD = 3


class Inbox:
    def __init__(self) -> None:
        self.alerts: list[Alert] = []

    def notify(self, alert: Alert) -> None:
        self.alerts.append(alert)


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def guarded(engine: Engine, telemetry: Telemetry, inbox: Inbox) -> Iterator[TestClient]:
    service = RiskGuardService(
        engine, RiskLimits(), clock=WALL_CLOCK, max_clock_skew=WALL_CLOCK.skew
    )
    app = create_app(
        service,
        token=TOKEN,
        telemetry=telemetry,
        notifier=inbox,
        refusals=RefusalWatch(THRESHOLD, timedelta(minutes=10)),
        clock=WALL_CLOCK,
    )
    with TestClient(app) as client:
        yield client


def _refusals(client: TestClient, reason: str) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith("crpbot_risk_refusals_total{") and f'reason="{reason}"' in line:
            assert 'account="ftmo-1"' in line
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_repeated_future_refusals_alert_once(
    guarded: TestClient, inbox: Inbox, equity_body: Body, check_body: Body
) -> None:
    assert guarded.post("/v1/equity", json=equity_body(), headers=AUTH).status_code == 200
    future = (WALL_CLOCK.now + timedelta(hours=1)).isoformat()
    for i in range(THRESHOLD * 2):
        response = guarded.post("/v1/check", json=check_body(ts=future), headers=AUTH)
        assert response.status_code == 422
        assert len(inbox.alerts) == (0 if i < THRESHOLD - 1 else 1)
    (alert,) = inbox.alerts
    assert isinstance(alert, FailureAlert) and alert.component == "risk_guard"
    assert "ftmo-1" in alert.summary and "future_ts" in alert.summary
    assert _refusals(guarded, "future_ts") == THRESHOLD * 2


def test_stale_refusals_are_counted(
    guarded: TestClient, equity_body: Body, check_body: Body
) -> None:
    assert guarded.post("/v1/equity", json=equity_body(), headers=AUTH).status_code == 200
    stale = check_body(ts="2024-01-15T11:00:00Z")
    assert guarded.post("/v1/check", json=stale, headers=AUTH).status_code == 409
    assert _refusals(guarded, "stale_ts") == 1


def test_refusal_watch_rearms_after_the_window() -> None:
    watch = RefusalWatch(2, timedelta(minutes=10))
    start = WALL_CLOCK.now
    assert watch.observe("a", "future_ts", start) is None
    assert watch.observe("b", "future_ts", start) is None, "accounts are counted apart"
    assert watch.observe("a", "future_ts", start + timedelta(minutes=1)) is not None
    assert watch.observe("a", "future_ts", start + timedelta(minutes=2)) is None
    assert watch.observe("a", "future_ts", start + timedelta(minutes=30)) is None
    assert watch.observe("a", "future_ts", start + timedelta(minutes=31)) is not None
