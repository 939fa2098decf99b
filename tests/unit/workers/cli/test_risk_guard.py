"""`crpbot risk-guard serve` refuses to start on bad input, with one line and no traceback."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from crpbot.config import RiskSettings
from crpbot_workers.cli import app
from crpbot_workers.cli.risk_guard import limits_from

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


def test_limits_from_settings_carry_the_configured_rules() -> None:
    limits = limits_from(RiskSettings(daily_loss_pct=4.0, signals_per_hour=6, high_tier_per_hour=2))
    assert (limits.daily_loss_pct, limits.signals_per_hour, limits.high_tier_per_hour) == (
        4.0,
        6,
        2,
    )
    assert limits.risk_per_trade_pct == RiskSettings().risk_per_trade_pct
