"""Alerts to people: what is worth telling (`alerts`), how it reads (`markdown`), and the
channels that carry it (`LogNotifier` locally, `TelegramNotifier` to several chats)."""

from crpbot.notify.alerts import (
    Alert,
    DailyReportAlert,
    FailureAlert,
    RiskAlert,
    SignalAlert,
)
from crpbot.notify.base import LogNotifier, Notifier
from crpbot.notify.markdown import format_alert

__all__ = [
    "Alert",
    "DailyReportAlert",
    "FailureAlert",
    "LogNotifier",
    "Notifier",
    "RiskAlert",
    "SignalAlert",
    "format_alert",
]
