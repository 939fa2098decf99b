"""One end-to-end run shared by the alert and dashboard tests of this folder.

The run starts a real Prometheus with the chart's rules, the bot's long-lived processes and
its scanner CronJob (see stack.py), then drives each alert's condition for real and removes
it again (see scenario.py). The tests read what Prometheus recorded; the run takes minutes,
so it happens once for the folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fixtures.chart import by_kind, render, require_tool
from tests.fixtures.postgres import PostgresServer
from tests.fixtures.prometheus import compress_rules
from tests.fixtures.scan_env import model_dir
from tests.integration.telemetry.scenario import AlertRun, run_scenario

__all__ = ["model_dir"]

RANGE_FACTOR = 10
"""10m windows become 60s: they hold a scanner run's first and last points (it pushes at the
start and the end of its cycle: a few seconds apart but for the slow cycle) and a burst of
the services' scraped failures, as 10m holds several 2-minute cycles in a cluster. 2h
(CrpbotNoSignals) becomes 12m: longer than the run, so a bot that had a signal in it is
never taken for one without."""
RANGE_FACTOR_OF = {"CrpbotSpoolQuarantined": 60.0, "CrpbotScanCycleSlow": 5.0}
"""CrpbotSpoolQuarantined's 1h becomes 60s rather than 6m: the window is how long the alert
outlasts the last quarantined line, and the run waits for every alert to clear.
CrpbotScanCycleSlow's 10m becomes 2m: a cycle's duration is pushed once, at its end, and
the window must hold that point and the stream's start (a zero at the run's first push,
before the lock was waited for) for long enough to outlast its `for:` on a loaded
machine."""
FOR_FACTOR = 20
"""`for: 5m` becomes 15s, `1m` 3s: still long enough to see `pending` (states are
sampled every 0.5 s, rules evaluated every second) and shorter than the time each fault's
expression holds in a 60s window."""


FOR_FLOOR = {"CrpbotScannerJobFailing": 150.0, "CrpbotNoSignals": 90.0}
"""`for:` that stand for how long a real process takes are not compressed below that:
CrpbotScannerJobFailing's is how long a scheduled Job may run before its missing success
counts, so it must outlast the longest healthy test Job, the slow cycle's (its process
start, then its 30 s lock wait: 90 s on a loaded 2-core machine); CrpbotNoSignals' must
outlast the wait between a cycle's start (bot active) and its signal, in the slow cycle too."""


@pytest.fixture(scope="session")
def shipped_rule_groups() -> list[dict[str, Any]]:
    """The rule groups of the PrometheusRule `helm template` renders when it is enabled."""
    helm = require_tool("helm")
    rules = by_kind(render(helm, sets=["monitoring.prometheusRule.enabled=true"]), "PrometheusRule")
    assert len(rules) == 1, "the chart renders one PrometheusRule"
    groups: list[dict[str, Any]] = rules[0]["spec"]["groups"]
    return groups


@pytest.fixture(scope="session")
def test_rule_groups(shipped_rule_groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return compress_rules(
        shipped_rule_groups,
        range_factor=RANGE_FACTOR,
        for_factor=FOR_FACTOR,
        for_floor=FOR_FLOOR,
        range_factor_of=RANGE_FACTOR_OF,
    )


@pytest.fixture(scope="package")
def alert_run(
    tmp_path_factory: pytest.TempPathFactory,
    postgres_server: PostgresServer,
    model_dir: Path,
    test_rule_groups: list[dict[str, Any]],
) -> Iterator[AlertRun]:
    """The whole run; Prometheus keeps running (and answering queries) until the folder ends."""
    prometheus = require_tool("prometheus")
    workdir = tmp_path_factory.mktemp("alerts")
    (workdir / "rules-under-test.yaml").write_text(yaml.safe_dump(test_rule_groups))
    janitor = postgres_server.janitor("alert_run")
    janitor.init()
    try:
        with run_scenario(
            prometheus, workdir, test_rule_groups, postgres_server.url("alert_run"), model_dir
        ) as run:
            yield run
    finally:
        janitor.drop()
