"""Every alert the chart ships goes pending, fires and clears in a real Prometheus, driven by
the real crpbot processes (see scenario.py for the faults).

`helm template`'s PrometheusRule is the rule file, with only time compressed (conftest.py):
so a rule that cannot fire on what the code emits, or cannot clear once the fault is gone,
fails here, which the promtool tests on hand-written series could not show.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.prometheus import seconds
from tests.integration.telemetry.recorder import INACTIVE
from tests.integration.telemetry.scenario import ALPHA, QUIET, AlertRun

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

NAMESPACE_OF = {
    "CrpbotNoSignals": QUIET,
    "CrpbotScanCycleSlow": ALPHA,
    "CrpbotTelegramDeliveryErrors": ALPHA,
    "CrpbotNotificationFailures": ALPHA,
    "CrpbotRiskGuardErrors": ALPHA,
    "CrpbotScannerErrors": ALPHA,
    "CrpbotScannerJobFailing": ALPHA,
    "CrpbotSpoolQuarantined": ALPHA,
    "CrpbotRiskRefusals": ALPHA,
}
"""Each shipped alert and the bot whose fault drives it."""


def _rules(groups: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["alert"]: r for g in groups for r in g["rules"] if "alert" in r}


def test_alerts_end_to_end_every_shipped_alert_is_driven(
    shipped_rule_groups: list[dict[str, Any]],
) -> None:
    assert sorted(_rules(shipped_rule_groups)) == sorted(NAMESPACE_OF)


@pytest.mark.parametrize("alert", sorted(NAMESPACE_OF))
def test_alerts_end_to_end_fires_and_clears(
    alert_run: AlertRun, shipped_rule_groups: list[dict[str, Any]], alert: str
) -> None:
    rule = _rules(shipped_rule_groups)[alert]
    waits = seconds(str(rule.get("for", "0s"))) > 0
    states = ("pending", "firing", INACTIVE) if waits else ("firing", INACTIVE)
    trail = alert_run.history.trail(alert, NAMESPACE_OF[alert])
    assert alert_run.history.went_through(alert, NAMESPACE_OF[alert], *states), (
        f"{alert} in {NAMESPACE_OF[alert]} went {trail}, expected {' -> '.join(states)}"
    )


def test_alerts_end_to_end_fire_only_where_their_fault_is(alert_run: AlertRun) -> None:
    """Pending elsewhere is allowed (a Job in progress has no success yet, an active bot's
    signal arrives at the end of its cycle): `for:` is what keeps those from firing."""
    stray = {
        key: trail
        for key, trail in alert_run.history.states.items()
        if NAMESPACE_OF.get(key[0]) != key[1] and "firing" in trail
    }
    assert not stray, f"alerts firing outside their fault: {stray}"


def test_alerts_end_to_end_rules_evaluate_without_error(alert_run: AlertRun) -> None:
    assert alert_run.api.rules_healthy() == {}


def test_alerts_end_to_end_scanner_jobs_ended_as_driven(alert_run: AlertRun) -> None:
    """Only the cycle without candles fails its Job; the others exit 0 (faults or not)."""
    codes = {bot: [run.returncode for run in runs] for bot, runs in alert_run.runs.items()}
    assert codes == {ALPHA: [0, 1, 0], QUIET: [0, 0]}, alert_run.runs
