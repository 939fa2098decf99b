"""The composition module makes each seam's choice from settings, the same for every service."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, inspect

from crpbot.config import RiskSettings, Settings, TelegramSettings
from crpbot.notify.base import LogNotifier
from crpbot.notify.telegram import TelegramNotifier
from crpbot.scan.adapters import InProcessRisk
from crpbot.services.risk_client import RiskClient
from crpbot.services.risk_guard import RiskGuardService
from crpbot_workers.compose import (
    make_notifier,
    open_database,
    risk_port,
    risk_reader,
    risk_token,
    telegram_configured,
    telegram_notifier,
)

GUARD_URL = "http://127.0.0.1:9/"


def _settings(**values: object) -> Settings:
    return Settings.model_validate(values)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_database(f"sqlite:///{tmp_path / 'compose.db'}", migrate=True)
    yield engine
    engine.dispose()


@pytest.mark.parametrize(("configured", "expected"), [(None, None), ("", None), ("t0k", "t0k")])
def test_risk_token_is_none_unless_a_value_is_set(
    configured: str | None, expected: str | None
) -> None:
    token = None if configured is None else SecretStr(configured)
    assert risk_token(_settings(risk_token=token)) == expected


@pytest.mark.parametrize(
    ("token", "chats", "configured"),
    [(None, [1], False), ("123:abc", [], False), ("123:abc", [1, 2], True)],
)
def test_telegram_is_used_only_with_a_token_and_allowed_chats(
    token: str | None, chats: list[int], configured: bool
) -> None:
    settings = _settings(
        telegram_token=None if token is None else SecretStr(token),
        telegram=TelegramSettings(allowed_chats=chats),
    )
    assert telegram_configured(settings) is configured
    notifier = make_notifier(settings)
    assert isinstance(notifier, TelegramNotifier if configured else LogNotifier)
    if isinstance(notifier, TelegramNotifier):
        assert tuple(notifier.chat_ids) == tuple(chats)
        notifier.close(timeout_s=1)
    else:
        assert telegram_notifier(settings) is None


def test_risk_seams_talk_http_when_a_guard_url_is_set(engine: Engine) -> None:
    settings = _settings(risk=RiskSettings(guard_url=GUARD_URL), risk_token=SecretStr("t0k"))
    port, reader = risk_port(settings, engine), risk_reader(settings, engine)
    assert isinstance(port, RiskClient)
    assert isinstance(reader, RiskClient)


def test_risk_seams_run_the_guard_in_process_with_the_configured_limits(engine: Engine) -> None:
    settings = _settings(risk=RiskSettings(signals_per_hour=3, high_tier_per_hour=1))
    port, reader = risk_port(settings, engine), risk_reader(settings, engine)
    assert isinstance(port, InProcessRisk)
    assert isinstance(reader, RiskGuardService)
    assert reader.limits == settings.risk.limits()


@pytest.mark.parametrize("migrate", [True, False])
def test_open_database_migrates_only_when_asked(tmp_path: Path, migrate: bool) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'fresh.db'}", migrate=migrate)
    try:
        assert ("signals" in inspect(engine).get_table_names()) is migrate
    finally:
        engine.dispose()
