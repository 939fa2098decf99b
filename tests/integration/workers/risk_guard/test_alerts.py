"""A daily halt and a total breach reach every allowed chat once, through the Bot API
stand-in; events while the account stays halted send nothing more."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from telegram.helpers import escape_markdown

from crpbot.notify.telegram import TelegramNotifier
from crpbot.risk import RiskLimits
from crpbot.services.risk_guard import RiskGuardService
from crpbot.telemetry.metrics import Telemetry
from crpbot_workers.risk_guard.app import create_app
from tests.fixtures.telegram_api import (
    TOKEN as BOT_TOKEN,
)
from tests.fixtures.telegram_api import (
    TelegramStandIn,
)

TOKEN = "test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CHATS = (1001, -2002)
Body = Callable[..., dict[str, Any]]


@pytest.fixture
def notifier(telegram_api: TelegramStandIn, telemetry: Telemetry) -> Iterator[TelegramNotifier]:
    instance = TelegramNotifier(
        BOT_TOKEN,
        CHATS,
        base_url=telegram_api.base_url,
        telemetry=telemetry,
    )
    yield instance
    instance.close(5)


@pytest.fixture
def alerting(
    engine: Engine, telemetry: Telemetry, notifier: TelegramNotifier
) -> Iterator[TestClient]:
    service = RiskGuardService(engine, RiskLimits())
    app = create_app(service, token=TOKEN, telemetry=telemetry, notifier=notifier)
    with TestClient(app) as client:
        yield client


def _equity(client: TestClient, body: Body, equity: float, ts: str) -> str:
    response = client.post("/v1/equity", json=body(equity=equity, ts=ts), headers=AUTH)
    assert response.status_code == 200
    status: str = response.json()["status"]
    return status


def test_guard_announces_a_daily_halt_once_to_every_chat(
    alerting: TestClient,
    equity_body: Body,
    notifier: TelegramNotifier,
    telegram_api: TelegramStandIn,
) -> None:
    assert _equity(alerting, equity_body, 100_000.0, "2024-01-15T09:00:00Z") == "active"
    assert _equity(alerting, equity_body, 94_900.0, "2024-01-15T10:00:00Z") == "halted_daily"
    assert _equity(alerting, equity_body, 94_800.0, "2024-01-15T11:00:00Z") == "halted_daily"
    refused = alerting.post("/v1/check", json=_check("2024-01-15T11:30:00Z"), headers=AUTH)
    assert refused.json()["approved"] is False
    assert notifier.flush(5)
    sent = telegram_api.state.sent
    assert [m["chat_id"] for m in sent] == list(CHATS)
    text = str(sent[0]["text"])
    assert text.startswith(r"*Risk: account ftmo\-1 HALTED for the day*")
    assert f"Equity: `{escape_markdown('94,900.00', version=2)}`" in text.split("\n")
    assert {m["parse_mode"] for m in sent} == {"MarkdownV2"}


def test_guard_announces_a_breach_after_a_halt(
    alerting: TestClient,
    equity_body: Body,
    notifier: TelegramNotifier,
    telegram_api: TelegramStandIn,
) -> None:
    _equity(alerting, equity_body, 100_000.0, "2024-01-15T09:00:00Z")
    _equity(alerting, equity_body, 94_000.0, "2024-01-15T10:00:00Z")
    assert _equity(alerting, equity_body, 89_000.0, "2024-01-15T11:00:00Z") == "breached_total"
    assert notifier.flush(5)
    titles = [str(m["text"]).split("\n")[0] for m in telegram_api.state.sent]
    assert titles == [
        r"*Risk: account ftmo\-1 HALTED for the day*",
        r"*Risk: account ftmo\-1 HALTED for the day*",
        r"*Risk: account ftmo\-1 BREACHED total loss*",
        r"*Risk: account ftmo\-1 BREACHED total loss*",
    ]


def _check(ts: str) -> dict[str, Any]:
    return {
        "account": "ftmo-1",
        "symbol": "BTC-USD",
        "side": "long",
        "entry": 100.0,
        "stop": 99.0,
        "confidence": 0.7,
        "tier": "medium",
        "ts": ts,
    }
