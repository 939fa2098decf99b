"""`crpbot report daily` sends its summary to every allowed chat through the Bot API
stand-in when Telegram is configured, and says so when a chat missed it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from telegram.helpers import escape_markdown
from typer.testing import CliRunner

from crpbot_workers.cli import app
from tests.fixtures.observation import BOT, DAY, EXPECTED, ObservedDb
from tests.fixtures.telegram_api import TOKEN, TelegramStandIn, bad_request

runner = CliRunner()
CHATS = (1001, -2002)


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CRPBOT_CONFIG_FILE", raising=False)
    monkeypatch.delenv("CRPBOT_TELEGRAM_TOKEN", raising=False)
    monkeypatch.setenv("CRPBOT_BOT_NAME", BOT)
    monkeypatch.setenv("CRPBOT_REPORT_DIR", str(tmp_path / "reports"))


@pytest.fixture
def telegram_env(
    monkeypatch: pytest.MonkeyPatch,
    telegram_api: TelegramStandIn,
) -> TelegramStandIn:
    monkeypatch.setenv("CRPBOT_TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("CRPBOT_TELEGRAM__ALLOWED_CHATS", json.dumps(list(CHATS)))
    monkeypatch.setenv("CRPBOT_TELEGRAM__BASE_URL", telegram_api.base_url)
    return telegram_api


def _daily(observed: ObservedDb, *args: str) -> list[str]:
    return ["report", "daily", "--date", DAY.isoformat(), "--database-url", observed.url, *args]


def test_report_daily_sends_the_summary_to_every_allowed_chat(
    observed: ObservedDb, telegram_env: TelegramStandIn
) -> None:
    result = runner.invoke(app, _daily(observed, "--json"))

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["notified"] is True
    sent = telegram_env.state.sent
    assert [m["chat_id"] for m in sent] == list(CHATS)
    text = sent[0]["text"]
    assert text.startswith(r"*Daily report 2026\-03\-02 \(demo\)*")
    lines = text.split("\n")
    assert r"Approved / rejected: `4 / 2`" in lines
    assert r"Won / lost / expired: `1 / 1 / 1`" in lines
    assert r"Win rate: `50\.0%`" in lines
    assert f"Equity: `{escape_markdown(f'{EXPECTED["paper_end"]:,.2f}', version=2)}`" in lines
    assert r"Daily headroom: `5,000\.00`" in lines
    assert sent[1]["text"] == text and {m["parse_mode"] for m in sent} == {"MarkdownV2"}


def test_report_daily_no_notify_sends_nothing(
    observed: ObservedDb, telegram_env: TelegramStandIn
) -> None:
    result = runner.invoke(app, _daily(observed, "--no-notify"))

    assert result.exit_code == 0, result.output
    assert telegram_env.state.sent == []
    assert "summary sent" not in result.stdout


def test_report_daily_without_telegram_writes_the_report_and_sends_nothing(
    observed: ObservedDb,
) -> None:
    result = runner.invoke(app, _daily(observed))

    assert result.exit_code == 0, result.output
    assert "summary sent" not in result.stdout


def test_report_daily_notify_without_telegram_fails_in_one_line(observed: ObservedDb) -> None:
    result = runner.invoke(app, _daily(observed, "--notify"))

    assert result.exit_code == 2
    assert "--notify needs CRPBOT_TELEGRAM_TOKEN" in result.stderr


def test_report_daily_exits_1_when_a_chat_missed_the_summary(
    observed: ObservedDb, telegram_env: TelegramStandIn
) -> None:
    telegram_env.state.fail_next_sends(bad_request())
    result = runner.invoke(app, _daily(observed))

    assert result.exit_code == 1, result.output
    assert [m["chat_id"] for m in telegram_env.state.sent] == [CHATS[1]]
    assert "did not reach 1 Telegram chat(s)" in result.stderr
