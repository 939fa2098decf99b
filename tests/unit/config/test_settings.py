from pathlib import Path

import pytest
from pydantic import ValidationError

from crpbot.config import RiskSettings, describe_settings, load_settings
from crpbot.config.settings import ConfigFileError
from crpbot.risk import RiskLimits


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for key in [k for k in os.environ if k.startswith("CRPBOT_")]:
        monkeypatch.delenv(key)


def test_settings_defaults_follow_design() -> None:
    s = load_settings()
    assert s.mode == "observe"
    assert s.risk.daily_loss_pct == 5.0
    assert s.risk.total_loss_pct == 10.0
    assert s.risk.signals_per_hour == 10
    assert s.risk.high_tier_per_hour == 5
    assert s.database_url.get_secret_value().startswith("sqlite:///")


def test_settings_env_overrides_yaml_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "crpbot.yaml"
    cfg.write_text("bot_name: from-file\nrisk:\n  account_size: 50000\n  signals_per_hour: 8\n")
    monkeypatch.setenv("CRPBOT_RISK__SIGNALS_PER_HOUR", "6")
    s = load_settings(cfg)
    assert s.bot_name == "from-file"
    assert s.risk.account_size == 50000
    assert s.risk.signals_per_hour == 6


def test_settings_env_file_variable_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("symbols: [SOL-USD]\n")
    monkeypatch.setenv("CRPBOT_CONFIG_FILE", str(cfg))
    assert load_settings().symbols == ["SOL-USD"]


def test_settings_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError, match="config file not found"):
        load_settings(tmp_path / "nope.yaml")


@pytest.mark.parametrize(
    ("env", "value"),
    [
        ("CRPBOT_RISK__HIGH_TIER_PER_HOUR", "11"),
        ("CRPBOT_RISK__DAILY_LOSS_PCT", "12"),
        ("CRPBOT_MODE", "live"),
        ("CRPBOT_GRANULARITY", "THREE_HOUR"),
        ("CRPBOT_CONFIDENCE__MEDIUM", "0.9"),
        ("CRPBOT_CONFIDENCE__MEDIUM", "0.4"),
    ],
)
def test_settings_reject_inconsistent_values(
    monkeypatch: pytest.MonkeyPatch, env: str, value: str
) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(ValidationError):
        load_settings()


def test_settings_unknown_yaml_key_is_rejected(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("sybmols: [BTC-USD]\n")
    with pytest.raises(ValidationError, match="sybmols"):
        load_settings(cfg)


def test_describe_settings_masks_every_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRPBOT_DATABASE_URL", "postgresql+psycopg://bot:hunter2@db:5432/crpbot")
    monkeypatch.setenv("CRPBOT_RISK_TOKEN", "risk-token-value")
    monkeypatch.setenv("CRPBOT_TELEGRAM_TOKEN", "123456:telegram-secret")
    monkeypatch.setenv("CRPBOT_COINBASE_API_SECRET", "-----BEGIN EC PRIVATE KEY-----abc")
    rows = {r.name: r for r in describe_settings(load_settings())}
    printed = " ".join(r.value for r in rows.values())
    for secret in ("hunter2", "risk-token-value", "telegram-secret", "BEGIN EC"):
        assert secret not in printed
    assert rows["database_url"].value == "postgresql+psycopg://bot:***@db:5432/crpbot"
    assert rows["risk_token"].secret and rows["coinbase_api_key"].value == "(unset)"


def test_describe_settings_documents_every_field() -> None:
    rows = describe_settings(load_settings())
    assert all(r.description for r in rows), [r.name for r in rows if not r.description]
    assert all(r.env.startswith("CRPBOT_") for r in rows)


def test_describe_settings_shows_unset_optional_values_as_unset() -> None:
    rows = {r.name: r for r in describe_settings(load_settings())}
    assert rows["risk.guard_url"].value == "(unset)"
    assert rows["telemetry.otlp_endpoint"].value == "(unset)"


def test_settings_tier_defaults_are_the_evaluated_thresholds() -> None:
    """`crpbot scan` must tier signals the way `crpbot evaluate` and the demo measured them."""
    from crpbot.confidence.tiers import TierThresholds
    from crpbot.config.settings import Settings

    defaults = Settings().confidence
    assert (defaults.high, defaults.medium) == (TierThresholds().high, TierThresholds().medium)


def test_risk_settings_limits_carry_the_configured_rules() -> None:
    settings = RiskSettings(
        daily_loss_pct=4.0,
        total_loss_pct=8.0,
        profit_target_pct=6.0,
        risk_per_trade_pct=1.0,
        signals_per_hour=6,
        high_tier_per_hour=2,
    )
    limits = settings.limits()
    assert (
        limits.daily_loss_pct,
        limits.total_loss_pct,
        limits.challenge_target_pct,
        limits.risk_per_trade_pct,
        limits.signals_per_hour,
        limits.high_tier_per_hour,
    ) == (4.0, 8.0, 6.0, 1.0, 6, 2)
    assert limits.verification_target_pct == RiskLimits().verification_target_pct


def test_settings_costs_default_to_the_backtest_cost_table() -> None:
    from crpbot.backtest.costs import DEFAULT_COSTS

    costs = load_settings().costs
    assert costs.for_symbol("EUR-USD") == DEFAULT_COSTS["fx"]
    assert costs.for_symbol("BTC-USD") == DEFAULT_COSTS["crypto"]


def test_settings_costs_per_symbol_override_from_yaml(tmp_path: Path) -> None:
    cfg = tmp_path / "crpbot.yaml"
    cfg.write_text("costs:\n  symbols:\n    BTC-USD: {fee_bp: 40, half_spread_bp: 2}\n")
    costs = load_settings(cfg).costs
    assert costs.for_symbol("BTC-USD").fee == pytest.approx(0.004)
    assert costs.for_symbol("BTC-USD").slippage == pytest.approx(0.0002)
    assert costs.for_symbol("ETH-USD").fee == pytest.approx(0.006)
