"""Configuration: one settings model, read from defaults, a YAML file and `CRPBOT_*` env vars."""

from crpbot.config.settings import (
    CoinbaseSettings,
    ConfidenceSettings,
    RiskSettings,
    Settings,
    StorageSettings,
    TelegramSettings,
    TelemetrySettings,
    load_settings,
)
from crpbot.config.show import SettingRow, describe_settings

__all__ = [
    "CoinbaseSettings",
    "ConfidenceSettings",
    "RiskSettings",
    "SettingRow",
    "Settings",
    "StorageSettings",
    "TelegramSettings",
    "TelemetrySettings",
    "describe_settings",
    "load_settings",
]
