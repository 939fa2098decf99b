"""`crpbot risk-guard serve` refuses to start on bad input, with one line and no traceback;
`crpbot risk-guard reset-clock` unsticks an account locked by a future event time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crpbot.db.engine import make_engine, upgrade
from crpbot.services.risk_guard import EquityUpdate, RiskGuardService, StaleEventError
from crpbot_workers.cli import app

runner = CliRunner()


def test_serve_refuses_to_start_without_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRPBOT_RISK_TOKEN", raising=False)
    result = runner.invoke(app, ["risk-guard", "serve", "--database-url", "sqlite://"])
    assert result.exit_code == 2
    assert "set CRPBOT_RISK_TOKEN" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("url", "message"),
    [("not a url", "invalid database URL"), ("sqlite:////proc/nope/guard.db", "cannot open")],
)
def test_serve_reports_a_bad_database_in_one_line(
    monkeypatch: pytest.MonkeyPatch, url: str, message: str
) -> None:
    monkeypatch.setenv("CRPBOT_RISK_TOKEN", "secret-token-value")
    result = runner.invoke(app, ["risk-guard", "serve", "--database-url", url])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "secret-token-value" not in result.output
    assert "Traceback" not in result.output


def test_reset_clock_unsticks_an_account_with_a_future_newest_time(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'guard.db'}"
    upgrade(url)
    engine = make_engine(url)
    future = datetime.now(UTC) + timedelta(days=365)
    stuck = RiskGuardService(engine, clock=lambda: future)
    stuck.record_equity(EquityUpdate("ftmo-1", 100_000.0, 100_000.0, future))
    guard = RiskGuardService(engine)
    with pytest.raises(StaleEventError):
        guard.record_equity(EquityUpdate("ftmo-1", 100_000.0, 99_000.0, datetime.now(UTC)))

    result = runner.invoke(
        app, ["risk-guard", "reset-clock", "--account", "ftmo-1", "--database-url", url]
    )

    assert result.exit_code == 0, result.output
    assert f"newest event time {future.isoformat()} -> " in result.output
    assert "1 rows re-stamped" in result.output
    state = guard.record_equity(EquityUpdate("ftmo-1", 100_000.0, 99_000.0, datetime.now(UTC)))
    assert state.equity == 99_000.0
    engine.dispose()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--account", "nobody"], 1, "unknown account 'nobody'"),
        (["--account", "ftmo-1", "--to", "yesterday"], 2, "not an ISO 8601 time"),
        (["--account", "ftmo-1", "--to", "2024-01-15T12:00:00"], 2, "needs a timezone"),
    ],
)
def test_reset_clock_refuses_bad_input_in_one_line(
    tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    url = f"sqlite:///{tmp_path / 'guard.db'}"
    upgrade(url)
    result = runner.invoke(app, ["risk-guard", "reset-clock", "--database-url", url, *args])
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output
