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

RANGE_FACTOR = 5
"""10m windows become 2m: still a few of the test's scanner cycles (about 40 s each here),
as 10m holds five 2-minute cycles in a cluster."""
FOR_FACTOR = 10
"""`for: 15m` becomes 90s, `5m` 30s: long enough to see `pending`, and longer than the slow
cycle's wait between its first periodic push (bot active, 15 s in) and its signal (about 60 s
later here), as 15m is longer than any cycle in a cluster."""


FOR_FLOOR = {"CrpbotScannerJobFailing": 300.0}
"""That rule's `for:` is how long a scheduled Job may run before its missing success counts,
so it is not compressed: a test Job (a Python process on a loaded 2-core machine, one of them
with a 55 s lock wait) has taken up to 3 minutes here."""


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
