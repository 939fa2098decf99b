"""`crpbot risk-guard serve` refuses to start on bad input, with one line and no traceback."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

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
