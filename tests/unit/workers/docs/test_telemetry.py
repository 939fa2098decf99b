"""docs/telemetry.md is what `crpbot_workers.docs.telemetry` renders from the code, and covers
every metric, service probe and chat command."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from crpbot.telemetry.catalog import METRICS, MetricSpec
from crpbot_workers.docs.data_path import RULES, readers
from crpbot_workers.docs.telemetry import EMITTED_BY, render

DOC = Path(__file__).resolve().parents[4] / "docs" / "telemetry.md"
COMMANDS = (
    "/start",
    "/help",
    "/status",
    "/signals",
    "/risk",
    "/stats",
    "/pause",
    "/resume",
    "/health",
)


def test_telemetry_doc_matches_the_code() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/telemetry.md is stale: run `.venv/bin/python -m crpbot_workers.docs --write`"
    )


def test_telemetry_doc_names_an_emitter_for_every_catalog_metric() -> None:
    assert set(EMITTED_BY) == {spec.name for spec in METRICS}


@pytest.mark.parametrize("spec", METRICS, ids=lambda spec: spec.name)
def test_telemetry_doc_row_per_metric_with_unit_and_labels(spec: MetricSpec) -> None:
    (row,) = [line for line in render().splitlines() if line.startswith(f"| `{spec.name}` |")]
    cells = [cell.strip() for cell in row.strip("|").split(" | ")]
    assert cells[1:3] == [spec.kind, f"`{spec.unit}`" if spec.unit else "none"]
    assert all(f"`{label}`" in cells[3] for label in spec.labels)


@pytest.mark.parametrize("command", COMMANDS)
def test_telemetry_doc_lists_every_chat_command(command: str) -> None:
    assert any(line.startswith(f"| `{command}") for line in render().splitlines())


@pytest.mark.parametrize("service", ["crpbot risk-guard serve", "crpbot telegram serve"])
def test_telemetry_doc_lists_probes_of_each_service(service: str) -> None:
    (row,) = [line for line in render().splitlines() if f"| `{service}` |" in line]
    assert "`database`" in row


@pytest.mark.parametrize("spec", METRICS, ids=lambda spec: spec.name)
def test_readme_lists_every_metric_with_its_labels(spec: MetricSpec) -> None:
    readme = (DOC.parents[1] / "README.md").read_text(encoding="utf-8")
    (row,) = [line for line in readme.splitlines() if f"`{spec.name}`" in line]
    labels = row.strip().removeprefix("|").removesuffix("|").split("|")[-1].strip()
    assert labels == ", ".join(spec.labels)


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_lists_every_chat_command(command: str) -> None:
    readme = (DOC.parents[1] / "README.md").read_text(encoding="utf-8")
    assert f"`{command}" in readme


def test_telemetry_doc_data_path_reaches_every_alert_of_the_chart() -> None:
    rules = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    defined = {rule["alert"] for group in rules["groups"] for rule in group["rules"]}
    reached = {alert.strip("`") for alerts, _ in readers().values() for alert in alerts}
    assert reached == defined


def test_telemetry_doc_data_path_names_a_panel_for_every_emitted_metric() -> None:
    """A crpbot metric no panel or alert reads would be emitted for nobody."""
    unread = [
        name
        for name, (alerts, panels) in readers().items()
        if name in EMITTED_BY and not (alerts or panels)
    ]
    assert not unread


def test_telemetry_doc_lists_exactly_the_operators_metrics() -> None:
    """The operator's table is kept by hand (the docs cannot import the operator): it must
    name every metric family `crpbot_operator.metrics` registers, and nothing else."""
    from crpbot_operator.metrics import series
    from crpbot_workers.docs.telemetry import OPERATOR_METRICS

    documented = {name for name, *_ in OPERATOR_METRICS}
    emitted = {
        name.removesuffix("_bucket") for name in series() if not name.endswith(("_sum", "_count"))
    }
    assert documented == emitted
