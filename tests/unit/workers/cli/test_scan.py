"""`crpbot scan --once` on SQLite with the bundled candles and a tiny real model artifact."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from crpbot.db.engine import make_engine, session_factory
from crpbot.db.repos.signals import recent_signals
from crpbot_workers.cli import app
from tests.fixtures.ports import free_port
from tests.fixtures.telegram_api import TOKEN, TelegramStandIn

runner = CliRunner()
NOW = "2018-01-22T12:00Z"
"""The close of the 11:00 bar of a Monday in the bundled EUR/USD data."""


def _scan(*args: str) -> list[str]:
    return ["scan", "--once", "--data", "bundled:EURUSD", "--now", NOW, *args]


def test_scan_once_stores_a_decided_signal_and_prints_the_cycle_as_json(
    scan_settings: dict[str, str],
) -> None:
    result = runner.invoke(app, _scan("--json"))

    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert (payload["bot"], payload["result"], payload["paused"]) == ("cli-bot", "ok", False)
    assert payload["event_ts"] == "2018-01-22T12:00:00+00:00"
    (row,) = payload["symbols"]
    assert (row["symbol"], row["outcome"], row["tier"]) == ("EURUSD", "approved", "high")
    assert row["size"] > 0 and row["confidence"] >= 0.5
    sessions = session_factory(make_engine(scan_settings["CRPBOT_DATABASE_URL"]))
    with sessions() as session:
        (stored,) = recent_signals(session, bot="cli-bot")
    assert (stored.id, stored.status, stored.symbol) == (row["signal_id"], "approved", "EURUSD")
    assert stored.bar_ts.isoformat() == "2018-01-22T11:00:00+00:00"


def test_scan_once_rerun_at_the_same_time_stores_nothing_twice(
    scan_settings: dict[str, str],
) -> None:
    first = json.loads(runner.invoke(app, _scan("--json")).stdout)
    again = runner.invoke(app, _scan("--json"))

    assert again.exit_code == 0, again.output
    (row,) = json.loads(again.stdout)["symbols"]
    assert row["outcome"] == "already_decided"
    assert row["signal_id"] == first["symbols"][0]["signal_id"]


def test_scan_once_prints_a_summary_table(scan_settings: dict[str, str]) -> None:
    result = runner.invoke(app, _scan())

    assert result.exit_code == 0, result.output
    assert "scan cli-bot @ 2018-01-22 12:00Z (ok)" in result.stdout
    assert "EURUSD" in result.stdout and "approved" in result.stdout
    assert "0 spooled signal(s) replayed" in result.stdout


def test_scan_once_exits_1_when_every_symbol_failed(scan_settings: dict[str, str]) -> None:
    result = runner.invoke(app, [*_scan("--json")[:-3], "--now", "2017-04-19T10:00Z", "--json"])

    assert result.exit_code == 1, result.output
    (row,) = json.loads(result.stdout)["symbols"]
    assert row["outcome"] == "failed"
    assert row["error"] == "InsufficientHistoryError: EURUSD: 1 bars, the model needs 8"


@pytest.mark.parametrize(
    ("env", "args", "message"),
    [
        ({"CRPBOT_RISK__HIGH_TIER_PER_HOUR": "20"}, (), "invalid configuration: risk"),
        ({"CRPBOT_MODEL_DIR": "/nonexistent/models"}, (), "/nonexistent/models"),
        ({"CRPBOT_DATABASE_URL": "not a url"}, (), "invalid settings"),
        ({}, ("--now", "yesterday"), "not an ISO 8601 time"),
        ({}, ("--data", "bundled:NOPE"), "cannot read --data bundled:NOPE"),
    ],
    ids=["inconsistent-limits", "no-models", "bad-database-url", "bad-now", "bad-data"],
)
def test_scan_once_bad_settings_fail_in_one_line(
    scan_settings: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    args: tuple[str, ...],
    message: str,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = runner.invoke(app, [*_scan(), *args])

    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.output


def test_scan_without_once_points_to_run(scan_settings: dict[str, str]) -> None:
    result = runner.invoke(app, ["scan"])

    assert result.exit_code == 2
    assert "crpbot run" in result.stderr


def test_scan_once_announces_a_guard_outage_once_across_runs_then_its_end(
    scan_settings: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    telegram_api: TelegramStandIn,
) -> None:
    monkeypatch.setenv("CRPBOT_TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("CRPBOT_TELEGRAM__ALLOWED_CHATS", "[1001, -2002]")
    monkeypatch.setenv("CRPBOT_TELEGRAM__BASE_URL", telegram_api.base_url)
    monkeypatch.setenv("CRPBOT_RISK__GUARD_URL", f"http://127.0.0.1:{free_port()}")
    for _ in range(2):
        down = runner.invoke(app, _scan("--json"))
        assert down.exit_code == 0, down.output
        (row,) = json.loads(down.stdout)["symbols"]
        assert row["outcome"] == "risk_unavailable"
    monkeypatch.delenv("CRPBOT_RISK__GUARD_URL")
    back = runner.invoke(app, _scan("--json"))
    assert back.exit_code == 0, back.output

    sent = telegram_api.state.sent
    titles = [(m["chat_id"], m["text"].split("\n")[0]) for m in sent]
    signal = titles[2][1]
    assert signal.startswith("*UNPROVEN signal: ") and "EURUSD" in signal
    assert titles == [
        (1001, r"*Failure in risk\_guard*"),
        (-2002, r"*Failure in risk\_guard*"),
        (1001, signal),
        (-2002, signal),
        (1001, r"*Recovered: risk\_guard*"),
        (-2002, r"*Recovered: risk\_guard*"),
    ]
