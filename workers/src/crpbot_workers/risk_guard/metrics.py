"""The guard's Prometheus metrics, on a registry of its own so each app instance (and each
test) counts separately. Names come from `crpbot.telemetry.catalog`."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

from crpbot.risk import Decision, GuardState


class GuardMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.rejections = Counter(
            "crpbot_risk_rejections",
            "Risk-guard rejections by reason code.",
            ["reason"],
            registry=self.registry,
        )
        self.errors = Counter(
            "crpbot_errors",
            "Errors by component.",
            ["component"],
            registry=self.registry,
        )
        self.equity = Gauge(
            "crpbot_equity", "Equity of the account.", ["account"], registry=self.registry
        )
        self.daily_headroom = Gauge(
            "crpbot_ftmo_daily_headroom",
            "Equity above the daily-loss floor.",
            ["account"],
            registry=self.registry,
        )
        self.total_headroom = Gauge(
            "crpbot_ftmo_total_headroom",
            "Equity above the total-loss floor.",
            ["account"],
            registry=self.registry,
        )

    def observe_state(self, account: str, state: GuardState) -> None:
        self.equity.labels(account).set(state.equity)
        self.daily_headroom.labels(account).set(state.equity - state.daily_floor)
        self.total_headroom.labels(account).set(state.equity - state.total_floor)

    def observe_decision(self, account: str, decision: Decision) -> None:
        for reason in decision.reasons:
            self.rejections.labels(str(reason)).inc()
        self.observe_state(account, decision.state)

    def observe_error(self) -> None:
        self.errors.labels("risk_guard").inc()
