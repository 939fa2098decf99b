"""`docs/telemetry.md`, rendered from the code it describes so the two cannot drift.

Metric names, kinds, units, labels and meanings come from `crpbot.telemetry.catalog`; chat
commands from the bot's own help table. What the catalog does not know (which process emits
a metric, which probes each service serves) is kept here, and a test fails when a catalog
metric has no emitter listed or when the file differs from `render()`. Regenerate with
`python -m crpbot_workers.docs --write`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from crpbot.config.settings import NotifySettings
from crpbot.notify.condition_watch import COMPONENTS
from crpbot.telemetry.catalog import METRICS, MetricSpec
from crpbot_workers.docs.data_path import data_path_section
from crpbot_workers.telegram.views import HELP

DOC_PATH = Path("docs/telemetry.md")

EMITTED_BY: dict[str, str] = {
    "crpbot_signals_total": "scanner",
    "crpbot_risk_rejections_total": "risk guard; scanner (when it runs the guard in-process)",
    "crpbot_risk_refusals_total": "risk guard (a future or stale event time)",
    "crpbot_signal_confidence": "scanner",
    "crpbot_outcomes_total": "outcome tracker (`crpbot outcomes track`)",
    "crpbot_scan_cycle_duration_seconds": "scanner",
    "crpbot_scan_cycles_total": "scanner",
    "crpbot_inference_latency_seconds": "scanner (in-process models or TorchServe client)",
    "crpbot_errors_total": "every service, labelled by the failing component",
    "crpbot_telegram_deliveries_total": "Telegram bot (replies); alert notifier (alerts)",
    "crpbot_notifications_total": "alert notifier (scanner, risk guard, `crpbot report daily`, "
    "Telegram bot in a cluster)",
    "crpbot_equity": "risk guard; scanner (in-process guard)",
    "crpbot_ftmo_daily_headroom": "risk guard; scanner (in-process guard)",
    "crpbot_ftmo_total_headroom": "risk guard; scanner (in-process guard)",
    "crpbot_spool_quarantined_total": "scanner (spool replay at the start of a cycle)",
    "crpbot_bot_active": "scanner (each cycle); Telegram bot (`/pause`, `/resume`)",
}


@dataclass(frozen=True, slots=True)
class ServiceProbes:
    """A long-running service's health HTTP endpoint and what its readiness waits for."""

    service: str
    command: str
    port: str
    ready_needs: str


SERVICES: tuple[ServiceProbes, ...] = (
    ServiceProbes(
        "risk guard",
        "crpbot risk-guard serve",
        "`--port` (8000), same port as its API",
        "`database`: `SELECT 1` on the guard's database",
    ),
    ServiceProbes(
        "Telegram bot",
        "crpbot telegram serve",
        "`--port` (8081), beside the long-poller",
        "`database`: `SELECT 1`; `telegram`: Bot API `getMe` answers (cached 15 s)",
    ),
    ServiceProbes(
        "scanner loop",
        "crpbot run",
        "`--metrics-port` (off unless given), beside the loop",
        "`database`: `SELECT 1`; `risk_guard`: the guard's `/readyz` "
        "(when `risk.guard_url` is set)",
    ),
)


def _cell(text: str) -> str:
    """Table-safe text: a bare `|` (as in `ok|failed`) would split the cell."""
    return text.replace("|", "\\|")


def _metric_row(spec: MetricSpec) -> str:
    labels = ", ".join(f"`{label}`" for label in spec.labels) or "none"
    cells = (
        f"`{spec.name}`",
        spec.kind,
        f"`{spec.unit}`" if spec.unit else "none",
        labels,
        EMITTED_BY[spec.name],
        _cell(spec.description),
    )
    return "| " + " | ".join(cells) + " |"


def _metrics_section() -> list[str]:
    lines = [
        "## Metrics",
        "",
        "Names as Prometheus scrapes them. The OpenTelemetry instrument drops the suffixes the",
        "Prometheus exporter adds back (`_total` on counters, `_seconds` for unit `s`), so the",
        "OTLP name of `crpbot_scan_cycle_duration_seconds` is `crpbot_scan_cycle_duration`.",
        "Histograms are scraped as `_bucket`, `_sum` and `_count` series. Unit `1` is a count.",
        "Gauges have no unit (equity and headroom are in account currency): Prometheus's OTLP",
        "receiver and the collector would name a gauge of unit `1` `<name>_ratio`.",
        "",
        "| metric | type | unit | labels | emitted by | meaning |",
        "|---|---|---|---|---|---|",
    ]
    lines += [_metric_row(spec) for spec in METRICS]
    lines += ["", "Histogram buckets:", ""]
    lines += [
        f"- `{spec.name}`: {', '.join(f'{b:g}' for b in spec.buckets)}"
        for spec in METRICS
        if spec.kind == "histogram"
    ]
    return lines


# The operator is its own package and image (it cannot import `crpbot`, nor this package it):
# its metrics are `crpbot_operator.metrics`, and a test checks this table against them.
OPERATOR_METRICS: tuple[tuple[str, str, str, str], ...] = (
    (
        "crpbot_operator_reconciles_total",
        "counter",
        "`result`",
        "TradingBot reconciles (create, update, resume): `applied` or `failed`",
    ),
    ("crpbot_operator_errors_total", "counter", "`handler`", "handler runs that raised"),
    (
        "crpbot_operator_drift_repairs_total",
        "counter",
        "`kind`",
        "children re-applied because they were changed or deleted",
    ),
    (
        "crpbot_operator_handler_duration_seconds",
        "histogram",
        "`handler`",
        "how long a handler ran (`reconcile`, `child`, `status`)",
    ),
    (
        "crpbot_operator_apply_queue_seconds",
        "histogram",
        "none",
        "how long an apply waited for a thread of the shared apply pool",
    ),
    (
        "crpbot_operator_reconcile_lag_seconds",
        "histogram",
        "none",
        "from a TradingBot's latest change by anyone but the operator (the newest"
        " `metadata.managedFields` time; its creation when it has none) to its reconcile"
        " starting: the watch, Kopf's batching and the wait for a handler thread. Known to"
        " the second; a first attempt after a create or update only, not a retry or resume",
    ),
)


def _operator_metrics_section() -> list[str]:
    lines = [
        "### The operator's own metrics",
        "",
        "The operator serves them with `prometheus_client` on `/metrics` of its `metrics` port",
        "(`CRPBOT_OPERATOR_METRICS_PORT`, the chart's `operator.metricsPort`, 9090; 0 serves",
        "none); the chart's PodMonitor `<release>-operator` scrapes it, and the System",
        "dashboard's Operator row shows them.",
        "",
        "| metric | type | labels | meaning |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| `{name}` | {kind} | {labels} | {meaning} |"
        for name, kind, labels, meaning in OPERATOR_METRICS
    ]
    return lines


_EXPORT_SETTINGS = (
    (
        "telemetry.exporter",
        "`prometheus` (default): served on the service's own `/metrics`; "
        "`otlp`: pushed every 15 s and at exit, counters and histograms as deltas; "
        "`none`: recorded nowhere",
    ),
    (
        "telemetry.otlp_endpoint",
        "OTLP/HTTP collector base URL, e.g. `http://otel-collector:4318`; `/v1/metrics` "
        "(and `/v1/traces` for the scanner's spans) is appended",
    ),
)


def _export_section() -> list[str]:
    lines = [
        "## Export: Prometheus or OTLP",
        "",
        "One setting chooses where metrics go, for every process (`crpbot config show` prints it):",
        "",
        "| setting | env var | values |",
        "|---|---|---|",
    ]
    for name, values in _EXPORT_SETTINGS:
        env = "CRPBOT_" + name.upper().replace(".", "__")
        lines.append(f"| `{name}` | `{env}` | {values} |")
    return [*lines, "", _EXPORT_NOTES]


_EXPORT_NOTES = """With `otlp`, `/metrics` answers 404 and says why. Short-lived processes (a
scanner CronJob, `crpbot scan --once`) should use `otlp`: nothing scrapes a process that has exited.
In a cluster the operator sees to it: the scanner always pushes (see the data path below).
Every process's resource is `service.name` plus `OTEL_RESOURCE_ATTRIBUTES`.

## Traces and logs

The scanner wraps each stage of a cycle in a span named `scan.<stage>`
(`crpbot.telemetry.tracing.stage_span`); spans leave the process only with the `otlp`
exporter. Every process
logs JSON lines (`--log-format json`, the default) with `ts`, `level`, `event`, `component`,
`logger` and the call's context; a line written inside a span also carries `trace_id` and
`span_id`, so one cycle's logs join its trace. Secrets are redacted from every line."""


def _health_section() -> list[str]:
    lines = [
        "## Health endpoints",
        "",
        "Every long-running service serves the same three routes, without authentication:",
        "`/healthz` (200 while the process runs: the liveness probe), `/readyz` (200 when",
        "every dependency check passes, else 503 with `failing` and each check's `detail`:",
        "the readiness probe) and `/metrics` (Prometheus text, exporter `prometheus` only).",
        "",
        "| service | command | port | `/readyz` needs |",
        "|---|---|---|---|",
    ]
    lines += [f"| {s.service} | `{s.command}` | {s.port} | {s.ready_needs} |" for s in SERVICES]
    return lines


def _commands_section() -> list[str]:
    lines = [
        "## Telegram commands",
        "",
        "Answered only in chats listed in `telegram.allowed_chats`; messages from any other",
        "chat are logged by chat id and get no answer. `/health` shows the bot's readiness",
        "checks. `/pause` and `/resume` set the TradingBot's `spec.suspend` in a cluster and a",
        "stored flag the scanner honours locally (`--pause`). They change state, so in any",
        "chat they are obeyed only from the Telegram user ids in `telegram.admin_users`",
        "(empty: from nobody); anyone else gets a refusal naming their user id, and the",
        "refusal is logged. The bot registers this list with `setMyCommands` at start, so",
        "clients offer it. Replies use MarkdownV2 and wait out Telegram's 429 `retry_after`.",
        "",
        "| command | answer |",
        "|---|---|",
        "| `/start` | same as `/help` |",
    ]
    lines += [f"| `{command}` | {meaning} |" for command, meaning in HELP]
    return lines


def _alerts_section() -> list[str]:
    conditions = ", ".join(f"`{kind}` ({name})" for kind, name in COMPONENTS.items())
    defaults = NotifySettings()
    grace_min = int(defaults.condition_grace_seconds // 60)
    poll_s = defaults.condition_poll_seconds
    rows = (
        (
            "signal",
            "scanner",
            "each signal the risk guard approved; while its tier's skill gate is closed it is "
            "titled `UNPROVEN signal` and carries the gate's numbers (n, expectancy after "
            "costs, interval, win rate vs break-even)",
        ),
        (
            "risk halt or breach",
            "risk guard",
            "once when an account enters `halted_daily` or `breached_total`",
        ),
        ("daily report", "`crpbot report daily`", "the day's summary, once per run"),
        (
            "outage, then recovered",
            "scanner",
            "once when the risk guard or the database stops answering, once when it answers "
            "again; off in a cluster (`notify.outage_alerts`), where RiskGuardReady below "
            "announces it",
        ),
        (
            "operator-reported failure, then recovered",
            "Telegram bot (in a cluster)",
            f"once when a TradingBot condition has been `False` for {grace_min} min, once when "
            f"it is `True` again; read every {poll_s:g} s (`notify.condition_grace_seconds`, "
            f"`notify.condition_poll_seconds`). Conditions: {conditions}; "
            "Ready and ScannerScheduled are not judged while the bot is paused; "
            "`SkillDemonstrated` (docs/evaluation.md) is evidence, not a failure, and is "
            "never announced",
        ),
    )
    lines = [
        "## Alerts",
        "",
        "Every alert goes to each chat in `telegram.allowed_chats` when `CRPBOT_TELEGRAM_TOKEN`",
        "is set (the scanner and the risk guard log it otherwise), paced and retried, counted in",
        "`crpbot_notifications_total`. The operator cannot read Secrets, so it has no token: it",
        "writes its findings into the TradingBot's `status.conditions`, and the Telegram bot,",
        "whose Role may `get` its own TradingBot, announces them.",
        "",
        "| alert | sent by | when |",
        "|---|---|---|",
    ]
    lines += [f"| {alert} | {sender} | {when} |" for alert, sender, when in rows]
    return lines


def render() -> str:
    """The whole document."""
    head = [
        "# Telemetry reference",
        "",
        "<!-- generated by `python -m crpbot_workers.docs --write`; do not edit -->",
        "",
    ]
    body = [
        *_metrics_section(),
        "",
        *_operator_metrics_section(),
        "",
        *_export_section(),
        "",
        *data_path_section(EMITTED_BY),
        "",
        *_health_section(),
        "",
        *_alerts_section(),
        "",
        *_commands_section(),
    ]
    return "\n".join(head + body) + "\n"
