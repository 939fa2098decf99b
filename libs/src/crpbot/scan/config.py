"""What a scanner scans and by which rules: plain values, built from `Settings` by the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field

from crpbot.candles.granularity import granularity_seconds
from crpbot.confidence.tiers import TierThresholds
from crpbot.signals.from_models import SignalRules
from crpbot.skill.gate import GateRules

DEFAULT_HISTORY_BARS = 1000
"""Bars fed to the features per symbol and cycle. The 200-bar averages need 200 bars to
exist, and an EMA seeded 800 bars back differs from one seeded at the start of the data by
less than 0.1 % of its weight, so features match training; the cost barely grows with it."""


@dataclass(frozen=True)
class ScanConfig:
    """`account` is the risk guard's account the signals count against; `outage_alerts`
    off leaves announcing outages of the guard and the database to someone else; `skill`
    is the gate every alert reports on."""

    bot: str
    account: str
    symbols: tuple[str, ...]
    granularity: str = "ONE_HOUR"
    rules: SignalRules = field(default_factory=SignalRules)
    thresholds: TierThresholds = field(default_factory=TierThresholds)
    history_bars: int = DEFAULT_HISTORY_BARS
    backend_name: str = "inprocess"
    outage_alerts: bool = True
    skill: GateRules = field(default_factory=GateRules)

    def __post_init__(self) -> None:
        granularity_seconds(self.granularity)
        if not self.symbols:
            raise ValueError("a scanner needs at least one symbol")
        if len(set(self.symbols)) != len(self.symbols):
            raise ValueError("symbols must be unique")
        if self.history_bars < 2:
            raise ValueError("history_bars must be at least 2")
