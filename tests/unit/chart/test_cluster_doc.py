"""docs/cluster.md names only files, values, alarms and port-forwards that really exist.

The cluster path cannot be run here (no Docker engine), so the document is the user's only
guide; these checks keep its references from drifting away from the repository.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
DOC = (ROOT / "docs" / "cluster.md").read_text(encoding="utf-8")
VALUES = yaml.safe_load((ROOT / "charts" / "crpbot" / "values.yaml").read_text(encoding="utf-8"))
RULES = (ROOT / "charts" / "crpbot" / "files" / "alerts" / "crpbot-rules.yaml").read_text(
    encoding="utf-8"
)
SKAFFOLD = yaml.safe_load((ROOT / "skaffold.yaml").read_text(encoding="utf-8"))

_PATH = re.compile(r"(?<![\w/.-])((?:hack|charts|manifests)/[\w./*-]*[\w*/])")


def _section(title: str) -> str:
    """The body of the `## title` or `### title` section, up to the next heading."""
    match = re.search(rf"^#+ {re.escape(title)}\n(.*?)(?=^#+ |\Z)", DOC, re.M | re.S)
    assert match, f"docs/cluster.md has no section {title!r}"
    return match.group(1)


def _value_keys() -> list[str]:
    """Dotted values keys in the first column of the Main values table; `.key` continues the
    previous key's parent."""
    keys: list[str] = []
    for line in _section("Main values").splitlines():
        if not line.startswith("| `"):
            continue
        for token in re.findall(r"`([\w.]+)`", line.split(" | ")[0]):
            if token.startswith(".") and keys:
                token = keys[-1].rsplit(".", 1)[0] + token
            keys.append(token)
    return keys


def _lookup(key: str) -> Any:
    node: Any = VALUES
    for part in key.split("."):
        assert isinstance(node, dict) and part in node, f"values.yaml has no {key}"
        node = node[part]
    return node


@pytest.mark.parametrize("path", sorted(set(_PATH.findall(DOC))))
def test_cluster_doc_paths_exist(path: str) -> None:
    assert list(ROOT.glob(path.rstrip("/"))), f"docs/cluster.md names missing {path}"


def test_cluster_doc_value_table_is_read() -> None:
    assert len(_value_keys()) >= 15


@pytest.mark.parametrize("key", _value_keys())
def test_cluster_doc_value_keys_exist_in_values_yaml(key: str) -> None:
    _lookup(key)


@pytest.mark.parametrize(
    ("key", "default"),
    [
        ("operator.replicas", 1),
        ("operator.peering.enabled", True),
        ("postgresql.enabled", False),
        ("sampleBot.enabled", False),
        ("monitoring.prometheusRule.enabled", False),
        ("monitoring.dashboards.enabled", True),
        ("opentelemetry.collectorConfig.enabled", True),
        ("helmTest.enabled", True),
    ],
)
def test_cluster_doc_defaults_match_values_yaml(key: str, default: object) -> None:
    assert _lookup(key) == default
    rows = _section("Main values").splitlines()
    row = next(line for line in rows if line.startswith(f"| `{key}`"))
    assert f"`{str(default).lower()}`" in row


def test_cluster_doc_names_exactly_the_alarms() -> None:
    documented = set(re.findall(r"`(Crpbot\w+)`", _section("Monitoring")))
    defined = set(re.findall(r"alert: (\w+)", RULES))
    assert len(defined) == 9
    assert documented == defined


def test_cluster_doc_port_forwards_match_skaffold() -> None:
    rows = re.findall(r"^\| (\d+) \| (service|deployment) `([\w-]+):(\d+)`", DOC, re.M)
    documented = {(int(local), kind, name, int(port)) for local, kind, name, port in rows}
    configured = {
        (f["localPort"], f["resourceType"], f["resourceName"], f["port"])
        for f in SKAFFOLD["portForward"]
    }
    assert documented == configured
