import json

import pytest
from typer.testing import CliRunner

from crpbot_workers.cli import app

runner = CliRunner()


def test_config_show_json_masks_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRPBOT_RISK_TOKEN", "very-secret-token")
    result = runner.invoke(app, ["config", "show", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["risk_token"] == "********"
    assert "very-secret-token" not in result.output
    assert data["risk.signals_per_hour"] == "10"


def test_config_show_bad_value_exits_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRPBOT_MODE", "live")
    result = runner.invoke(app, ["config", "show"])
    assert result.exit_code == 2
    assert "invalid configuration: mode" in result.output
    assert "Traceback" not in result.output
