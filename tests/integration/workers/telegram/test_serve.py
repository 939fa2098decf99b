"""The bot service as `crpbot telegram serve` assembles it: its health app is ready only while
both the database and the Telegram Bot API answer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from crpbot.config import Settings
from crpbot.db.engine import upgrade
from crpbot.telemetry.metrics import setup_telemetry
from crpbot_workers.telegram.probe import TelegramProbe, TelegramUnreachableError
from crpbot_workers.telegram.serve import ServeOptions, build
from tests.fixtures.ports import free_port
from tests.fixtures.telegram_api import TOKEN, TelegramStandIn, running_stand_in
from tests.integration.workers.telegram.conftest import ALLOWED, BOT

DEAD_DATABASE = "postgresql+psycopg://nobody@127.0.0.1:9/x?connect_timeout=1"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    upgrade(url)
    return url


@pytest.fixture(autouse=True)
def _default_telemetry() -> Iterator[None]:
    """`build` installs the process's telemetry; leave a reader-less one behind."""
    yield
    setup_telemetry("none")


def _health(database_url: str, telegram_base_url: str) -> TestClient:
    settings = Settings(
        bot_name=BOT,
        database_url=database_url,
        telegram={"base_url": telegram_base_url, "allowed_chats": [ALLOWED]},
    )
    options = ServeOptions(host="127.0.0.1", port=0, account=BOT, pause="db")
    return TestClient(build(settings, options, TOKEN).http)


def _dead_telegram() -> str:
    return f"http://127.0.0.1:{free_port()}/bot"


@pytest.mark.parametrize(
    ("database_up", "telegram_up", "failing"),
    [
        (True, True, []),
        (False, True, ["database"]),
        (True, False, ["telegram"]),
        (False, False, ["database", "telegram"]),
    ],
)
def test_serve_readyz_needs_database_and_telegram(
    sqlite_url: str,
    telegram_api: TelegramStandIn,
    database_up: bool,
    telegram_up: bool,
    failing: list[str],
) -> None:
    client = _health(
        sqlite_url if database_up else DEAD_DATABASE,
        telegram_api.base_url if telegram_up else _dead_telegram(),
    )
    response = client.get("/readyz")
    assert response.status_code == (503 if failing else 200)
    assert response.json()["failing"] == failing
    if not telegram_up:
        detail = response.json()["checks"]["telegram"]["detail"]
        assert detail == "TelegramUnreachableError: getMe failed: ConnectError"
    assert TOKEN not in response.text
    assert client.get("/healthz").json() == {"ok": True}
    assert client.get("/metrics").status_code == 200


def test_probe_asks_telegram_once_per_ttl(telegram_api: TelegramStandIn) -> None:
    now = [0.0]
    probe = TelegramProbe(telegram_api.base_url, TOKEN, ttl_s=15.0, clock=lambda: now[0])
    assert probe() and probe()
    now[0] = 14.9
    assert probe()
    assert telegram_api.state.calls.count("getMe") == 1
    now[0] = 15.0
    assert probe()
    assert telegram_api.state.calls.count("getMe") == 2


def test_probe_reports_a_refused_token_without_the_url(telegram_api: TelegramStandIn) -> None:
    probe = TelegramProbe(telegram_api.base_url, "999:not-the-token", ttl_s=0.0)
    with pytest.raises(TelegramUnreachableError) as refused:
        probe()
    assert str(refused.value) == "getMe answered HTTP 401"


def test_probe_notices_telegram_going_away() -> None:
    now = [0.0]
    with running_stand_in() as telegram:
        probe = TelegramProbe(telegram.base_url, TOKEN, ttl_s=1.0, clock=lambda: now[0])
        assert probe()
    now[0] = 1.0
    with pytest.raises(TelegramUnreachableError, match="ConnectError"):
        probe()
