"""The effective configuration of every crpbot process.

Precedence, highest first: keyword arguments, `CRPBOT_*` environment variables (nested fields
with `__`, e.g. `CRPBOT_RISK__ACCOUNT_SIZE`), the YAML file passed to `load_settings` (or named
by `CRPBOT_CONFIG_FILE`), then the defaults below. One model for all processes keeps the
cluster's ConfigMap, the local demo and the CLI reading the same names.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from crpbot.backtest.costs import DEFAULT_COSTS, TradingCosts, costs_for
from crpbot.config.secret_values import register_settings_secrets
from crpbot.risk import RiskLimits
from crpbot.skill.gate import GateRules

Granularity = Literal[
    "ONE_MINUTE",
    "FIVE_MINUTE",
    "FIFTEEN_MINUTE",
    "THIRTY_MINUTE",
    "ONE_HOUR",
    "TWO_HOUR",
    "SIX_HOUR",
    "ONE_DAY",
]


class CoinbaseSettings(BaseModel):
    """Coinbase Advanced Trade access; the key itself is the top-level `coinbase_api_*`."""

    base_url: str = Field(
        "https://api.coinbase.com", description="API origin; point it at a stand-in for tests."
    )
    timeout_s: float = Field(10.0, gt=0, description="Per-request timeout in seconds.")
    max_retries: int = Field(5, ge=0, description="Retries on 429 and 5xx before giving up.")


class RiskSettings(BaseModel):
    """FTMO rules and signal rate limits the risk guard enforces."""

    account_size: float = Field(100_000.0, gt=0, description="Initial balance, account currency.")
    daily_loss_pct: float = Field(5.0, gt=0, lt=100, description="Max daily loss, % of initial.")
    total_loss_pct: float = Field(10.0, gt=0, lt=100, description="Max total loss, % of initial.")
    profit_target_pct: float = Field(10.0, gt=0, description="Profit target, % of initial.")
    risk_per_trade_pct: float = Field(
        0.5, gt=0, le=5, description="Risk per signal, % of balance, sizes positions."
    )
    signals_per_hour: int = Field(10, ge=1, description="Approved signals per rolling hour.")
    high_tier_per_hour: int = Field(5, ge=0, description="High-tier approvals per rolling hour.")
    min_confidence: float = Field(
        0.55, ge=0, le=1, description="Signals below this calibrated probability are dropped."
    )
    guard_url: str | None = Field(
        None, description="Risk-guard HTTP URL; unset means the guard runs in-process."
    )
    max_clock_skew_seconds: float = Field(
        300.0,
        gt=0,
        le=86_400,
        description="Event times further ahead of the guard's wall clock are refused (422).",
    )
    max_body_bytes: int = Field(
        16_384, ge=1_024, le=1_048_576, description="Larger risk-guard request bodies get 413."
    )
    max_batch_checks: int = Field(
        1_000,
        ge=1,
        le=10_000,
        description="Checks one /v1/check/batch may carry (more: 422); its body cap is this "
        "times 512 bytes (413 above it), instead of max_body_bytes.",
    )
    concurrency: int = Field(
        8,
        ge=1,
        le=100,
        description="Requests each risk-guard process (each worker) works on at once, with "
        "as many threads and database connections, kept open; more wait in line.",
    )
    refusal_alert_count: int = Field(
        5, ge=1, description="Refused event times of one account that raise an alert..."
    )
    refusal_alert_window_seconds: float = Field(
        600.0, gt=0, description="...within this many seconds of wall time."
    )

    @model_validator(mode="after")
    def _limits_are_consistent(self) -> RiskSettings:
        if self.high_tier_per_hour > self.signals_per_hour:
            raise ValueError("risk.high_tier_per_hour must not exceed risk.signals_per_hour")
        if self.daily_loss_pct >= self.total_loss_pct:
            raise ValueError("risk.daily_loss_pct must be below risk.total_loss_pct")
        return self

    def limits(self) -> RiskLimits:
        """The rules the guard enforces: these settings, and RiskLimits' defaults for the rest
        (the settings expose only what an operator should tune)."""
        return RiskLimits(
            daily_loss_pct=self.daily_loss_pct,
            total_loss_pct=self.total_loss_pct,
            challenge_target_pct=self.profit_target_pct,
            risk_per_trade_pct=self.risk_per_trade_pct,
            signals_per_hour=self.signals_per_hour,
            high_tier_per_hour=self.high_tier_per_hour,
        )


class ConfidenceSettings(BaseModel):
    """Calibrated-probability thresholds that map a signal to a tier."""

    # A signal's confidence is the calibrated probability of its favoured side, so never below
    # 0.5: a threshold under 0.5 would be meaningless and the scanner's tiers refuse it.
    # The defaults are `crpbot.confidence.tiers.TierThresholds`, what `crpbot evaluate` measures.
    high: float = Field(0.65, ge=0.5, le=1, description="Probability at or above which: high.")
    medium: float = Field(0.55, ge=0.5, le=1, description="Probability at or above which: medium.")

    @model_validator(mode="after")
    def _ordered(self) -> ConfidenceSettings:
        if self.medium > self.high:
            raise ValueError("confidence.medium must not exceed confidence.high")
        return self


class SkillSettings(BaseModel):
    """The skill gate (`crpbot.skill.gate`); its costs come from the `costs` section."""

    min_resolved: int = Field(
        100,
        ge=2,
        description="Resolved observation signals a tier needs before its skill gate may "
        "open (the gate also needs the 95% interval of expectancy after costs above zero).",
    )


_BP = 1e-4


class InstrumentCosts(BaseModel):
    """What one fill costs, per side, in basis points of its notional."""

    fee_bp: float = Field(ge=0, lt=10_000, description="Fee per side, bp of notional.")
    half_spread_bp: float = Field(
        ge=0,
        lt=10_000,
        description="Half the bid-ask spread, bp: every fill moves this much against you.",
    )

    def costs(self) -> TradingCosts:
        return TradingCosts(fee=self.fee_bp * _BP, slippage=self.half_spread_bp * _BP)


def _default_costs(kind: str) -> InstrumentCosts:
    costs = DEFAULT_COSTS["fx" if kind == "fx" else "crypto"]
    return InstrumentCosts(
        fee_bp=round(costs.fee / _BP, 6), half_spread_bp=round(costs.slippage / _BP, 6)
    )


class CostSettings(BaseModel):
    """Trading costs every backtest P/L is shown with (`crpbot.backtest.costs` says why)."""

    fx: InstrumentCosts = Field(
        default_factory=lambda: _default_costs("fx"),
        description="FX pairs (both legs fiat, e.g. EUR-USD): about 0.8 bp per side.",
    )
    crypto: InstrumentCosts = Field(
        default_factory=lambda: _default_costs("crypto"),
        description="Everything else: 0.60% fee (a low Coinbase Advanced tier) + 1 bp.",
    )
    symbols: dict[str, InstrumentCosts] = Field(
        default_factory=dict, description="Per-symbol overrides, e.g. {BTC-USD: {fee_bp: 40, ...}}."
    )

    def for_symbol(self, symbol: str) -> TradingCosts:
        """The symbol's override, else its asset class's costs."""
        return costs_for(
            symbol,
            {"fx": self.fx.costs(), "crypto": self.crypto.costs()},
            {name: entry.costs() for name, entry in self.symbols.items()},
        )


class TelegramSettings(BaseModel):
    """Telegram bot access; only allow-listed chats ever get an answer."""

    allowed_chats: list[int] = Field(
        default_factory=list, description="Chat ids allowed to talk to the bot and get alerts."
    )
    admin_users: list[int] = Field(
        default_factory=list,
        description="Telegram user ids allowed to change state (/pause, /resume); read-only "
        "commands stay open to every allowed chat. Empty: nobody may change state from "
        "Telegram, since any member of an allowed group could otherwise pause the bot.",
    )
    base_url: str = Field(
        "https://api.telegram.org/bot", description="Bot API base URL (a stand-in in tests)."
    )


class NotifySettings(BaseModel):
    """Which alerts this process sends itself, beside those every deployment sends."""

    outage_alerts: bool = Field(
        True,
        description="Scanner alerts when the risk guard or the database stops and starts "
        "answering. The operator turns them off: in a cluster the Telegram bot announces "
        "the same outage from the RiskGuardReady condition, and a CronJob pod forgets it.",
    )
    condition_poll_seconds: float = Field(
        30.0,
        gt=0,
        description="In a cluster, how often the Telegram bot reads its TradingBot's "
        "conditions to announce operator-reported failures.",
    )
    condition_grace_seconds: float = Field(
        300.0,
        ge=0,
        description="How long a condition must have been False before it is announced, so "
        "a rollout or a restart that heals on its own stays quiet.",
    )


class StorageSettings(BaseModel):
    """S3-compatible object store for model artifacts and reports."""

    endpoint_url: str | None = Field(None, description="S3 endpoint; unset means AWS.")
    bucket: str = Field("crpbot", description="Bucket for artifacts and reports.")
    region: str = Field("us-east-1", description="AWS region.")


class TelemetrySettings(BaseModel):
    """Where metrics go."""

    exporter: Literal["prometheus", "otlp", "none"] = Field(
        "prometheus", description="prometheus serves /metrics; otlp pushes to otlp_endpoint."
    )
    otlp_endpoint: str | None = Field(None, description="OTLP/HTTP endpoint for metrics.")


class Settings(BaseSettings):
    """Every knob of crpbot. `crpbot config show` prints the effective values, secrets masked."""

    model_config = SettingsConfigDict(
        env_prefix="CRPBOT_",
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    bot_name: str = Field("local", min_length=1, description="Name of this bot (DB key).")
    mode: Literal["observe", "paper"] = Field(
        "observe", description="observe: record signals, send no orders (dry run)."
    )
    symbols: list[str] = Field(
        default_factory=lambda: ["BTC-USD", "ETH-USD"], description="Products to scan."
    )
    granularity: Granularity = Field("ONE_HOUR", description="Candle granularity to scan.")
    candle_source: Literal["store", "coinbase"] = Field(
        "store",
        description="Scanner candles: store reads data_dir as is; coinbase tops it up first.",
    )
    data_dir: Path = Field(Path("var/data"), description="Candle store (Parquet files).")
    model_dir: Path = Field(Path("var/models"), description="Trained model artifacts.")
    report_dir: Path = Field(Path("var/reports"), description="Reports and plots.")
    database_url: SecretStr = Field(
        SecretStr("sqlite:///var/crpbot.db"),
        description="SQLAlchemy URL; may hold a password, so it is treated as a secret.",
    )
    inference: Literal["inprocess", "torchserve"] = Field(
        "inprocess", description="Where models run: in this process or on TorchServe."
    )
    torchserve_url: str = Field(
        "http://127.0.0.1:8080", description="TorchServe inference API when inference=torchserve."
    )
    torchserve_key: SecretStr | None = Field(
        None,
        description="Bearer key the model server requires on inference requests "
        "(the server's CRPBOT_TORCHSERVE_KEY); sent when inference=torchserve.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Log level."
    )
    log_format: Literal["json", "text"] = Field("json", description="Log line format.")
    coinbase_api_key: SecretStr | None = Field(
        None, description="CDP API key name (organizations/…/apiKeys/…); unset: public data only."
    )
    coinbase_api_secret: SecretStr | None = Field(
        None, description="PEM EC private key of the CDP API key (ES256)."
    )
    risk_token: SecretStr | None = Field(
        None, description="Bearer token the risk guard requires and the scanner sends."
    )
    telegram_token: SecretStr | None = Field(None, description="Telegram bot token.")
    coinbase: CoinbaseSettings = Field(default_factory=CoinbaseSettings)
    risk: RiskSettings = Field(default_factory=RiskSettings)
    confidence: ConfidenceSettings = Field(default_factory=ConfidenceSettings)
    skill: SkillSettings = Field(default_factory=SkillSettings)
    costs: CostSettings = Field(default_factory=CostSettings)
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    notify: NotifySettings = Field(default_factory=NotifySettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    telemetry: TelemetrySettings = Field(default_factory=TelemetrySettings)

    def skill_rules(self) -> GateRules:
        """The gate charges every outcome the dearest round trip among the bot's symbols, so
        it never opens on an under-charged symbol; one cost table serves backtests and gate."""
        round_trip = max((2 * self.costs.for_symbol(s).per_side for s in self.symbols), default=0)
        return GateRules(self.skill.min_resolved, round_trip)

    @model_validator(mode="after")
    def _register_secrets(self) -> Settings:
        """Every secret is known to the log redactor as soon as the settings exist."""
        register_settings_secrets(self)
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, YamlConfigSettingsSource(settings_cls))


class ConfigFileError(ValueError):
    """The YAML file named for the configuration is missing or unreadable."""


def load_settings(config_file: Path | None = None) -> Settings:
    """Build the effective settings; `config_file` wins over `CRPBOT_CONFIG_FILE`."""
    env_file = os.environ.get("CRPBOT_CONFIG_FILE")
    path = config_file or (Path(env_file) if env_file else None)
    if path is None:
        return Settings()
    if not path.is_file():
        raise ConfigFileError(f"config file not found: {path}")

    class _FromFile(Settings):
        model_config = SettingsConfigDict(**{**Settings.model_config, "yaml_file": path})

    return _FromFile()
