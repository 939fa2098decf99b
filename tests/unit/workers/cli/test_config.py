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


SECRET_VALUES = {
    "CRPBOT_DATABASE_URL": ("postgresql+psycopg://bot:pwDb7x@db:5432/crpbot", "pwDb7x"),
    "CRPBOT_COINBASE_API_KEY": ("organizations/o/apiKeys/keyK3y", "keyK3y"),
    "CRPBOT_COINBASE_API_SECRET": ("-----BEGIN EC PRIVATE KEY-----pemP3m", "pemP3m"),
    "CRPBOT_RISK_TOKEN": ("riskT0k", "riskT0k"),
    "CRPBOT_TELEGRAM_TOKEN": ("123:tgT0k", "tgT0k"),
    "CRPBOT_TORCHSERVE_KEY": ("tsK3y-0123456789abcdef", "tsK3y"),
}


def test_config_show_secret_list_is_every_secret_setting() -> None:
    from crpbot.config import Settings, describe_settings

    secrets = {row.env for row in describe_settings(Settings.model_construct()) if row.secret}
    assert secrets == set(SECRET_VALUES)


@pytest.mark.parametrize("as_json", [False, True], ids=["table", "json"])
def test_config_show_masks_every_secret(monkeypatch: pytest.MonkeyPatch, as_json: bool) -> None:
    for env, (value, _) in SECRET_VALUES.items():
        monkeypatch.setenv(env, value)
    result = runner.invoke(
        app, ["config", "show", *(["--json"] if as_json else [])], env={"COLUMNS": "300"}
    )
    assert result.exit_code == 0, result.output
    for _, leaked in SECRET_VALUES.values():
        assert leaked not in result.output
    assert "bot:***@db:5432" in result.output


@pytest.mark.parametrize("as_json", [False, True], ids=["table", "json"])
def test_config_show_hides_every_secret_setting_of_the_model(
    monkeypatch: pytest.MonkeyPatch, as_json: bool
) -> None:
    from tests.fixtures.secret_settings import secret_settings

    secrets = secret_settings()
    for secret in secrets:
        monkeypatch.setenv(secret.env, secret.value)
    result = runner.invoke(
        app, ["config", "show", *(["--json"] if as_json else [])], env={"COLUMNS": "400"}
    )
    assert result.exit_code == 0, result.output
    for secret in secrets:
        for marker in secret.markers:
            assert marker not in result.output, secret.path
    assert "password=***" in result.output and "sslpassword=***" in result.output


def test_config_show_masks_a_password_in_a_url_that_is_not_a_secret_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CRPBOT_TORCHSERVE_URL", "http://ts:tsPw9x@model-server:8080/?token=tsT0k")
    result = runner.invoke(app, ["config", "show", "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)["torchserve_url"]
    assert "tsPw9x" not in shown and "tsT0k" not in shown
    assert shown.startswith("http://ts:") and "model-server:8080" in shown
