"""The TradingBot CRD, checked offline: structure, descriptions, samples, operator agreement.

The real API server runs the same checks plus the CEL rules in tests/k8s/test_crd.py; these
catch a broken schema in milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from crpbot_operator.spec import TradingBotSpec

REPO = Path(__file__).resolve().parents[3]
CRD_PATH = REPO / "manifests" / "crd" / "tradingbots.crpbot.io.yaml"
SAMPLES = sorted((REPO / "manifests" / "samples").glob("*.yaml"))
_TG = {"name": "tg", "key": "token"}
KUBERNETES_EXTENSIONS = ("x-kubernetes-int-or-string", "x-kubernetes-preserve-unknown-fields")


def _crd() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(CRD_PATH.read_text())
    return loaded


def _version() -> dict[str, Any]:
    (version,) = _crd()["spec"]["versions"]
    return dict(version)


def _schema() -> dict[str, Any]:
    return dict(_version()["schema"]["openAPIV3Schema"])


def _nodes(schema: dict[str, Any], path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    yield path, schema
    for name, child in (schema.get("properties") or {}).items():
        yield from _nodes(child, f"{path}.{name}")
    if "items" in schema:
        yield from _nodes(schema["items"], f"{path}[]")


def _validator() -> jsonschema.Draft4Validator:
    """OpenAPI v3.0 schemas (boolean exclusiveMinimum) are JSON Schema draft 4 at heart."""
    return jsonschema.Draft4Validator(_schema())


def _errors(spec: dict[str, Any]) -> list[str]:
    body = {"apiVersion": "crpbot.io/v1alpha1", "kind": "TradingBot", "metadata": {}, "spec": spec}
    return [error.message for error in _validator().iter_errors(body)]


def test_crd_identity_matches_the_operator() -> None:
    crd = _crd()
    assert crd["metadata"]["name"] == "tradingbots.crpbot.io"
    assert crd["spec"]["group"] == "crpbot.io"
    assert crd["spec"]["scope"] == "Namespaced"
    assert crd["spec"]["names"]["kind"] == "TradingBot"
    assert "tb" in crd["spec"]["names"]["shortNames"]
    version = _version()
    assert (version["name"], version["served"], version["storage"]) == ("v1alpha1", True, True)
    assert version["subresources"] == {"status": {}}


def test_crd_schema_is_structural_and_described() -> None:
    untyped, undescribed = [], []
    for path, node in _nodes(_schema(), "tradingbot"):
        if "type" not in node and not any(node.get(ext) for ext in KUBERNETES_EXTENSIONS):
            untyped.append(path)
        under_metadata = path.startswith("tradingbot.metadata")
        if not under_metadata and not path.endswith("[]") and not node.get("description"):
            undescribed.append(path)
    assert untyped == []
    assert undescribed == []


def test_crd_printer_columns_point_at_schema_fields() -> None:
    columns = {c["name"]: c["jsonPath"] for c in _version()["additionalPrinterColumns"]}
    assert list(columns)[:5] == ["Mode", "Symbols", "Ready", "Risk", "Signals 24h"]
    assert list(columns)[-1] == "Age"
    known = {path.removeprefix("tradingbot") for path, _ in _nodes(_schema(), "tradingbot")}
    for name, json_path in columns.items():
        field = json_path.split("[", 1)[0]
        assert field.startswith(".metadata") or field in known, f"{name}: {json_path}"


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.name for s in SAMPLES])
def test_crd_samples_validate(sample: Path) -> None:
    body = yaml.safe_load(sample.read_text())
    assert body["apiVersion"] == "crpbot.io/v1alpha1"
    assert list(_validator().iter_errors(body)) == []


def test_crd_samples_include_a_minimal_and_a_full_bot() -> None:
    names = {s.stem for s in SAMPLES}
    assert {"tradingbot-minimal", "tradingbot-full"} <= names
    full = yaml.safe_load((REPO / "manifests/samples/tradingbot-full.yaml").read_text())
    assert set(full["spec"]) == set(_schema()["properties"]["spec"]["properties"])


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ({"symbols": []}, "non-empty"),
        ({"symbols": ["btc-usd"]}, "does not match"),
        ({"symbols": ["BTCUSD"]}, "does not match"),
        ({"symbols": ["BTC-USD"], "granularity": "TEN_MINUTE"}, "is not one of"),
        ({"symbols": ["BTC-USD"], "mode": "live"}, "is not one of"),
        ({"symbols": ["BTC-USD"], "schedule": "every minute"}, "does not match"),
        ({"symbols": ["BTC-USD"], "risk": {"dailyLossPct": 0}}, "less than or equal"),
        ({"symbols": ["BTC-USD"], "risk": {"minConfidence": 1.5}}, "greater than"),
        ({"symbols": ["BTC-USD"], "telegram": {"allowedChats": [1]}}, "'secretRef' is a required"),
        ({"symbols": ["BTC-USD"], "models": {"storageUri": "ftp://x"}}, "does not match"),
        ({"symbols": ["BTC-USD"], "models": {"endpointUrl": "minio:9000"}}, "does not match"),
        ({"symbols": ["BTC-USD"], "models": {"endpointUrl": "http://a b"}}, "does not match"),
        ({"symbols": ["BTC-USD"], "models": {"credentialsSecretRef": {}}}, "'name' is a required"),
        (
            {"symbols": ["BTC-USD"], "telegram": {"secretRef": _TG, "apiBaseUrl": "tg.local/bot"}},
            "does not match",
        ),
        (
            {"symbols": ["BTC-USD"], "telegram": {"secretRef": _TG, "apiBaseUrl": "ftp://h/bot"}},
            "does not match",
        ),
        ({}, "'symbols' is a required"),
    ],
)
def test_crd_schema_rejects_invalid_spec(spec: dict[str, Any], fragment: str) -> None:
    errors = _errors(spec)
    assert any(fragment in message for message in errors), errors


def test_crd_cross_field_rules_are_cel() -> None:
    risk = _schema()["properties"]["spec"]["properties"]["risk"]
    rules = {v["rule"] for v in risk["x-kubernetes-validations"]}
    assert rules == {
        "self.highTierPerHour <= self.signalsPerHour",
        "self.dailyLossPct < self.totalLossPct",
    }


def _declared_defaults(schema: dict[str, Any]) -> dict[str, Any]:
    """The defaults the API server fills into an empty object of this schema."""
    filled: dict[str, Any] = {}
    for name, child in (schema.get("properties") or {}).items():
        if "default" not in child:
            continue
        value = child["default"]
        filled[name] = {**value, **_declared_defaults(child)} if value == {} else value
    return filled


def test_crd_defaults_agree_with_the_operator_spec() -> None:
    spec_schema = _schema()["properties"]["spec"]
    declared = _declared_defaults(spec_schema)
    operator = TradingBotSpec().model_dump(by_alias=True, exclude_none=True)
    for name, value in declared.items():
        if isinstance(value, dict):
            assert {k: operator[name][k] for k in value} == value, name
        else:
            assert operator[name] == value, name
    assert declared["schedule"] == "*/2 * * * *"
    assert declared["mode"] == "observe"
    assert declared["risk"]["dailyLossPct"] == 5


def test_crd_requires_a_database_with_a_reason() -> None:
    """A bot without a database would keep its state on each pod's scratch space: the CEL
    rule on spec refuses it (the API server evaluates it, tests/k8s/test_crd.py)."""
    spec = _schema()["properties"]["spec"]
    rules = {r["rule"]: r["message"] for r in spec["x-kubernetes-validations"]}
    assert "spec.database is required" in rules["has(self.database)"]
    for sample in SAMPLES:
        assert "database" in yaml.safe_load(sample.read_text())["spec"], sample.name
