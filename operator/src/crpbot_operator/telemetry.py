"""Where a bot's workloads send their metrics (`crpbot.config.TelemetrySettings`).

The operator's own environment carries the cluster-wide choice under the workers' variable
names (the chart sets them from `opentelemetry.workers`), so one collector serves every bot;
a bot's `spec.telemetry` may override either field.

The exporter chooses how the long-lived services (risk guard, Telegram bot) export. The
scanner is different: a CronJob pod exits after one cycle, so nothing could scrape it; it
always pushes OTLP to `otlp_endpoint` (a collector, or Prometheus's own OTLP receiver at
`/api/v1/otlp`), and exports nowhere when no endpoint is known or the exporter is `none`.

Which namespaces may scrape the bot's metrics ports is a cluster-wide choice too
(`monitoring.namespaceSelector` in the chart, CRPBOT_MONITORING_NAMESPACE_SELECTOR here): each
bot's NetworkPolicy admits them on those ports only.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from crpbot_operator.spec import TelemetrySpec

EXPORTER_ENV = "CRPBOT_TELEMETRY__EXPORTER"
OTLP_ENDPOINT_ENV = "CRPBOT_TELEMETRY__OTLP_ENDPOINT"
Exporter = Literal["prometheus", "otlp", "none"]
EXPORTERS: tuple[Exporter, ...] = ("prometheus", "otlp", "none")
DEFAULT_EXPORTER: Exporter = "prometheus"
MONITORING_SELECTOR_ENV = "CRPBOT_MONITORING_NAMESPACE_SELECTOR"
# kube-prometheus-stack's usual home; every namespace carries this label since Kubernetes 1.22.
DEFAULT_MONITORING_SELECTOR: dict[str, Any] = {
    "matchLabels": {"kubernetes.io/metadata.name": "monitoring"}
}


def _default_selector() -> dict[str, Any]:
    return copy.deepcopy(DEFAULT_MONITORING_SELECTOR)


@dataclass(frozen=True)
class Telemetry:
    exporter: Exporter = DEFAULT_EXPORTER
    otlp_endpoint: str | None = None
    # A Kubernetes label selector of the namespaces Prometheus scrapes from.
    monitoring_namespace_selector: dict[str, Any] = field(default_factory=_default_selector)

    def env(self) -> list[dict[str, str]]:
        """The container environment that makes a `crpbot` worker export this way."""
        env = [{"name": EXPORTER_ENV, "value": self.exporter}]
        if self.otlp_endpoint:
            env.append({"name": OTLP_ENDPOINT_ENV, "value": self.otlp_endpoint})
        return env

    def for_one_shot(self) -> Telemetry:
        """How a process that exits after one run exports: push, or nothing at all."""
        if self.exporter == "none" or not self.otlp_endpoint:
            return replace(self, exporter="none", otlp_endpoint=None)
        return replace(self, exporter="otlp")


DEFAULT_TELEMETRY = Telemetry()


def telemetry_from_env(env: Mapping[str, str]) -> Telemetry:
    """The operator-wide defaults; an empty variable counts as unset.

    An unknown exporter or a selector that is not a JSON object stops the operator at
    startup rather than every worker at runtime.
    """
    exporter = env.get(EXPORTER_ENV) or DEFAULT_EXPORTER
    if exporter not in EXPORTERS:
        raise ValueError(f"{EXPORTER_ENV}={exporter!r}: expected one of {', '.join(EXPORTERS)}")
    selector = _default_selector()
    if raw := env.get(MONITORING_SELECTOR_ENV):
        try:
            selector = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{MONITORING_SELECTOR_ENV} is not JSON: {exc.msg}") from None
        if not isinstance(selector, dict):
            raise ValueError(f"{MONITORING_SELECTOR_ENV} must be a JSON object (a label selector)")
    return Telemetry(exporter, env.get(OTLP_ENDPOINT_ENV) or None, selector)


def resolve_telemetry(defaults: Telemetry, overrides: TelemetrySpec) -> Telemetry:
    """A bot's own telemetry: its fields where given, the operator's defaults otherwise."""
    return replace(
        defaults,
        exporter=overrides.exporter or defaults.exporter,
        otlp_endpoint=overrides.otlp_endpoint or defaults.otlp_endpoint,
    )
