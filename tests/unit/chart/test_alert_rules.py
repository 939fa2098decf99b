"""The alerts: promtool checks the rule file and proves each fires, stays quiet and clears;
every alert is actionable (a `for:`, a severity, a runbook section that exists)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from tests.unit.chart.chart_support import REPO, RULES_FILE, Manifest, only, render, run

RULES_TEST = Path(__file__).parent / "alerts" / "crpbot-rules.test.yaml"
RUNBOOK = REPO / "docs" / "runbook.md"
RUNBOOK_URL = "https://github.com/crpbot/crpbot/blob/main/docs/runbook.md"
ALARMS = {
    "CrpbotScannerErrors",
    "CrpbotRiskGuardErrors",
    "CrpbotTelegramDeliveryErrors",
    "CrpbotScanCycleSlow",
    "CrpbotNoSignals",
    "CrpbotNotificationFailures",
    "CrpbotScannerJobFailing",
    "CrpbotSpoolQuarantined",
    "CrpbotRiskRefusals",
}


def _alerts() -> dict[str, dict[str, object]]:
    groups = yaml.safe_load(RULES_FILE.read_text())["groups"]
    return {rule["alert"]: rule for group in groups for rule in group["rules"]}


def _runbook_anchors() -> set[str]:
    """GitHub's anchors of the runbook's headings (lower case, spaces to dashes)."""
    headings = re.findall(r"^#+ (.+)$", RUNBOOK.read_text(), flags=re.MULTILINE)
    return {re.sub(r"[^a-z0-9 -]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_rules_file_has_the_alarms_with_severity_and_summary() -> None:
    alerts = _alerts()
    assert set(alerts) == ALARMS
    for name, rule in alerts.items():
        labels = rule["labels"]
        annotations = rule["annotations"]
        assert isinstance(labels, dict) and labels["severity"] in {"warning", "critical"}, name
        assert isinstance(annotations, dict) and {"summary", "description"} <= set(annotations)


def test_rules_every_alert_waits_and_links_its_runbook_section() -> None:
    anchors = _runbook_anchors()
    for name, rule in _alerts().items():
        assert re.fullmatch(r"[0-9]+[smh]", str(rule.get("for", ""))), f"{name} has no for:"
        annotations = rule["annotations"]
        assert isinstance(annotations, dict)
        url = str(annotations.get("runbook_url", ""))
        base, _, anchor = url.partition("#")
        assert base == RUNBOOK_URL, name
        assert anchor == name.lower() and anchor in anchors, f"{name}: no section {anchor}"


def test_promtool_checks_the_rules(promtool: Path) -> None:
    result = run([promtool, "check", "rules", RULES_FILE])
    assert f"SUCCESS: {len(ALARMS)} rules found" in result.stdout


def test_promtool_unit_tests_cover_every_alarm(promtool: Path) -> None:
    tested = {
        case["alertname"]
        for test in yaml.safe_load(RULES_TEST.read_text())["tests"]
        for case in test["alert_rule_test"]
    }
    assert tested == ALARMS
    result = run([promtool, "test", "rules", RULES_TEST], check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_quiet_and_firing_cases_exist_for_every_alarm() -> None:
    firing: set[str] = set()
    quiet: set[str] = set()
    for test in yaml.safe_load(RULES_TEST.read_text())["tests"]:
        for case in test["alert_rule_test"]:
            (firing if case["exp_alerts"] else quiet).add(case["alertname"])
    assert firing == ALARMS
    assert quiet == ALARMS


def test_prometheus_rule_embeds_the_rules_file(rendered: dict[str, list[Manifest]]) -> None:
    rule = only(rendered["ha"], "PrometheusRule")
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    assert rule["spec"] == yaml.safe_load(RULES_FILE.read_text())
    assert not [o for o in rendered["default"] if o["kind"] == "PrometheusRule"]


def test_prometheus_rule_links_the_runbook_where_it_is_published(helm: Path) -> None:
    published = "https://docs.example.org/crpbot/runbook.html"
    objects = render(
        helm,
        sets=[
            "monitoring.prometheusRule.enabled=true",
            f"monitoring.prometheusRule.runbookUrl={published}",
        ],
    )
    rules = [r for g in only(objects, "PrometheusRule")["spec"]["groups"] for r in g["rules"]]
    urls = {r["annotations"]["runbook_url"] for r in rules}
    assert urls == {f"{published}#{r['alert'].lower()}" for r in rules}
