"""The seven alarms: promtool checks the rule file and proves each fires and stays quiet."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.fixtures.chart import RULES_FILE, Manifest, only, run

RULES_TEST = Path(__file__).parent / "alerts" / "crpbot-rules.test.yaml"
ALARMS = {
    "CrpbotScannerErrors",
    "CrpbotRiskGuardErrors",
    "CrpbotTelegramDeliveryErrors",
    "CrpbotScanCycleSlow",
    "CrpbotNoSignals",
    "CrpbotNotificationFailures",
    "CrpbotScannerJobFailing",
}


def _alerts() -> dict[str, dict[str, object]]:
    groups = yaml.safe_load(RULES_FILE.read_text())["groups"]
    return {rule["alert"]: rule for group in groups for rule in group["rules"]}


def test_rules_file_has_the_seven_alarms_with_severity_and_summary() -> None:
    alerts = _alerts()
    assert set(alerts) == ALARMS
    for name, rule in alerts.items():
        labels = rule["labels"]
        annotations = rule["annotations"]
        assert isinstance(labels, dict) and labels["severity"] in {"warning", "critical"}, name
        assert isinstance(annotations, dict) and {"summary", "description"} <= set(annotations)


def test_promtool_checks_the_rules(promtool: Path) -> None:
    result = run([promtool, "check", "rules", RULES_FILE])
    assert "SUCCESS: 7 rules found" in result.stdout


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
