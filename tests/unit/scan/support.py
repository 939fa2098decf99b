"""Helpers the scanner tests share: names, the recording notifier, config and scraping."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from crpbot.confidence.tiers import TierThresholds
from crpbot.notify.alerts import Alert
from crpbot.scan.config import ScanConfig
from crpbot.signals.from_models import SignalRules
from crpbot.telemetry.metrics import Telemetry

SYMBOLS = ("AAA-USD", "BBB-USD")
ACCOUNT = "acct"
BOT = "bot-1"
HOUR = timedelta(hours=1)


@dataclass
class RecordingNotifier:
    """Keeps every alert it is handed."""

    alerts: list[Alert] = field(default_factory=list)

    def notify(self, alert: Alert) -> None:
        self.alerts.append(alert)


def scan_config(**changes: object) -> ScanConfig:
    """Gate at 0.5 (every bar passes), every signal high tier; override per test."""
    base = ScanConfig(
        bot=BOT,
        account=ACCOUNT,
        symbols=SYMBOLS,
        rules=SignalRules(min_confidence=0.5),
        thresholds=TierThresholds(high=0.5, medium=0.5),
        history_bars=400,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(telemetry: Telemetry) -> Samples:
    """Every sample the Prometheus endpoint would serve, keyed by (series, label set)."""
    assert telemetry.registry is not None
    text = generate_latest(telemetry.registry).decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def labels(**values: str) -> frozenset[tuple[str, str]]:
    return frozenset(values.items())
