"""The chart carries the same CRDs and operator RBAC as manifests/, and passes `helm lint`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fixtures.chart import (
    CHART,
    REPO,
    Manifest,
    ci_values_files,
    only,
    run,
)

MANIFEST_CRDS = sorted((REPO / "manifests" / "crd").glob("*.yaml"))

Rule = tuple[str, str, str]


def _grants(rules: list[dict[str, Any]]) -> set[Rule]:
    """(apiGroup, resource, verb) triples: the same grants however the rules are grouped."""
    return {
        (group, resource, verb)
        for rule in rules
        for group in rule.get("apiGroups", [])
        for resource in rule.get("resources", [])
        for verb in rule["verbs"]
    }


def _manifest_cluster_role() -> Manifest:
    docs = [
        doc
        for path in sorted((REPO / "manifests" / "rbac").glob("*.yaml"))
        for doc in yaml.safe_load_all(path.read_text())
        if doc
    ]
    return only(docs, "ClusterRole")


def test_chart_crds_match_manifests_byte_for_byte() -> None:
    assert MANIFEST_CRDS, "manifests/crd/ holds the TradingBot CRD"
    chart_crds = sorted(p.name for p in (CHART / "crds").glob("*.yaml"))
    assert chart_crds == [p.name for p in MANIFEST_CRDS]
    for source in MANIFEST_CRDS:
        copy = CHART / "crds" / source.name
        assert copy.read_bytes() == source.read_bytes(), (
            f"{copy} differs from {source}: run hack/sync-chart-crds.sh"
        )


def test_sync_script_reports_no_drift() -> None:
    result = run(["hack/sync-chart-crds.sh", "--check"], check=False)
    assert result.returncode == 0, result.stderr


def test_chart_rbac_grants_exactly_the_manifest_verbs(
    rendered: dict[str, list[Manifest]],
) -> None:
    expected = _grants(_manifest_cluster_role()["rules"])
    assert ("crpbot.io", "tradingbots", "watch") in expected
    for name, objects in rendered.items():
        assert _grants(only(objects, "ClusterRole")["rules"]) == expected, name


def test_chart_rbac_binds_the_operator_account(rendered: dict[str, list[Manifest]]) -> None:
    objects = rendered["default"]
    binding = only(objects, "ClusterRoleBinding")
    account = only(
        [o for o in objects if "helm.sh/hook" not in o["metadata"].get("annotations", {})],
        "ServiceAccount",
    )
    assert binding["roleRef"]["name"] == only(objects, "ClusterRole")["metadata"]["name"]
    assert binding["subjects"] == [
        {
            "kind": "ServiceAccount",
            "name": account["metadata"]["name"],
            "namespace": "crpbot-system",
        }
    ]
    pod = only(objects, "Deployment")["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == account["metadata"]["name"]


def test_chart_rbac_has_no_wildcards_or_secret_reads(rendered: dict[str, list[Manifest]]) -> None:
    grants = _grants(only(rendered["default"], "ClusterRole")["rules"])
    assert not {g for g in grants if "*" in g}
    assert {verb for group, resource, verb in grants if resource == "secrets"} == {"create"}


@pytest.mark.parametrize("values", ci_values_files(), ids=lambda p: p.name)
def test_helm_lint_is_clean(helm: Path, values: Path) -> None:
    result = run([helm, "lint", CHART, "--strict", "--values", values])
    assert "0 chart(s) failed" in result.stdout


def _object_schemas(node: Any, path: str = "$") -> list[tuple[str, dict[str, Any]]]:
    """Every schema that declares properties; if/then constraints only narrow their parent."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        if "properties" in node:
            found.append((path, node))
        for key, value in node.items():
            if key not in ("if", "then", "else"):
                found += _object_schemas(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _object_schemas(value, f"{path}[{index}]")
    return found


def test_values_schema_is_strict_at_every_level() -> None:
    schema = json.loads((CHART / "values.schema.json").read_text())
    objects = _object_schemas(schema)
    assert len(objects) > 20
    loose = [path for path, node in objects if node.get("additionalProperties") is not False]
    assert not loose, f"objects accepting unknown keys: {loose}"


def test_values_file_satisfies_its_schema_and_documents_every_key() -> None:
    schema = json.loads((CHART / "values.schema.json").read_text())
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    top_level = set(schema["properties"]) - {"global"}
    assert set(values) == top_level


def test_chart_readme_documents_the_crd_upgrade_path() -> None:
    readme = (CHART / "README.md").read_text()
    assert "kubectl apply --server-side -f charts/crpbot/crds/" in readme


def _leaf_keys(node: Any, prefix: str = "") -> list[str]:
    if isinstance(node, dict) and node:
        return [k for key, value in node.items() for k in _leaf_keys(value, f"{prefix}{key}.")]
    return [prefix.rstrip(".")]


def test_chart_readme_lists_every_value() -> None:
    readme = (CHART / "README.md").read_text()
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    missing = [key for key in _leaf_keys(values) if f"`{key}`" not in readme]
    assert not missing, f"values missing from the chart README table: {missing}"
