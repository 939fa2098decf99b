"""The alert run's rule file is the shipped one with only time compressed (tests/fixtures/
prometheus.py): every window and `for:` scaled, per-alert factors and floors honoured, and
nothing else touched."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.prometheus import compress_rules, seconds

GROUPS: list[dict[str, Any]] = [
    {
        "name": "g",
        "rules": [
            {
                "alert": "Errors",
                "expr": "sum(increase(x_total[10m])) / sum(rate(y[1h30m])) >= 2",
                "for": "5m",
                "labels": {"severity": "warning"},
                "annotations": {"summary": "[10m] in text stays"},
            },
            {"alert": "Quarantine", "expr": "increase(q_total[1h]) > 0", "for": "1m"},
            {"alert": "Job", "expr": "j > 0", "for": "5m"},
            {"record": "r:sum", "expr": "sum(rate(z[10m]))"},
        ],
    }
]


@pytest.fixture
def compressed() -> dict[str, dict[str, Any]]:
    groups = compress_rules(
        GROUPS,
        range_factor=10,
        for_factor=20,
        for_floor={"Job": 90},
        range_factor_of={"Quarantine": 60},
    )
    return {r.get("alert") or r["record"]: r for g in groups for r in g["rules"]}


def test_compressed_rules_scale_every_window_and_for(compressed: dict[str, Any]) -> None:
    errors = compressed["Errors"]
    assert errors["expr"] == "sum(increase(x_total[60s])) / sum(rate(y[540s])) >= 2"
    assert errors["for"] == "15s"
    assert compressed["r:sum"]["expr"] == "sum(rate(z[60s]))"


def test_compressed_rules_honour_per_alert_factor_and_floor(compressed: dict[str, Any]) -> None:
    assert compressed["Quarantine"]["expr"] == "increase(q_total[60s]) > 0"
    assert compressed["Quarantine"]["for"] == "3s"
    assert compressed["Job"]["for"] == "90s"


def test_compressed_rules_leave_the_rest_as_shipped(compressed: dict[str, Any]) -> None:
    shipped = GROUPS[0]["rules"][0]
    errors = compressed["Errors"]
    assert (errors["labels"], errors["annotations"]) == (shipped["labels"], shipped["annotations"])
    assert shipped["expr"].endswith("[1h30m])) >= 2"), "the input is not modified"


@pytest.mark.parametrize(("text", "value"), [("90s", 90), ("1h30m", 5400), ("250ms", 0.25)])
def test_seconds_reads_prometheus_durations(text: str, value: float) -> None:
    assert seconds(text) == value
