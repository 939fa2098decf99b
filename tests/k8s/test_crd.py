"""The TradingBot CRD in a real API server: samples, defaults, validation messages, explain."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.k8s.control_plane import REPO, Kubectl

pytestmark = pytest.mark.k8s

SAMPLES = REPO / "manifests" / "samples"
DATABASE = {"secretRef": {"name": "crpbot-database", "key": "url"}}


def _bot(name: str, **spec: Any) -> str:
    body = {
        "apiVersion": "crpbot.io/v1alpha1",
        "kind": "TradingBot",
        "metadata": {"name": name},
        "spec": {"symbols": ["BTC-USD"], "database": DATABASE, **spec},
    }
    return json.dumps(body)


def _get(kubectl: Kubectl, namespace: str, name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(kubectl("get", "tb", name, "-n", namespace, "-o", "json"))
    return loaded


def test_crd_minimal_sample_is_accepted_and_defaulted(kubectl: Kubectl, namespace: str) -> None:
    kubectl("apply", "-n", namespace, "-f", str(SAMPLES / "tradingbot-minimal.yaml"))
    spec = _get(kubectl, namespace, "btc-observer")["spec"]
    assert spec == {
        "symbols": ["BTC-USD"],
        "granularity": "ONE_HOUR",
        "schedule": "*/2 * * * *",
        "mode": "observe",
        "suspend": False,
        "models": {"lstm": {"version": "latest"}, "transformer": {"version": "latest"}},
        "risk": {
            "accountSize": 100000,
            "dailyLossPct": 5,
            "totalLossPct": 10,
            "signalsPerHour": 10,
            "highTierPerHour": 5,
            "minConfidence": 0.55,
        },
        "modelServer": {"replicas": 1},
        "database": DATABASE,
    }


def test_crd_refuses_a_bot_without_database_with_the_reason(
    kubectl: Kubectl, namespace: str
) -> None:
    """The minimal sample as it was (symbols only) would keep every pod's state on scratch
    space; the API server now refuses it and says why."""
    body = yaml.safe_load((SAMPLES / "tradingbot-minimal.yaml").read_text())
    del body["spec"]["database"]
    error = kubectl.fails("apply", "-n", namespace, "-f", "-", stdin=json.dumps(body))
    assert 'The TradingBot "btc-observer" is invalid' in error
    assert "spec: Invalid value" in error
    assert "spec.database is required" in error
    assert "forget" in error
    gone = kubectl.plane.kubectl("get", "tb", "btc-observer", "-n", namespace)
    assert gone.returncode != 0 and "NotFound" in gone.stderr


def test_crd_full_sample_is_stored_as_written(kubectl: Kubectl, namespace: str) -> None:
    path: Path = SAMPLES / "tradingbot-full.yaml"
    kubectl("apply", "-n", namespace, "-f", str(path))
    written = yaml.safe_load(path.read_text())
    assert _get(kubectl, namespace, written["metadata"]["name"])["spec"] == written["spec"]


@pytest.mark.parametrize(
    ("name", "spec", "message"),
    [
        (
            "tiers",
            {"risk": {"signalsPerHour": 4, "highTierPerHour": 5}},
            "spec.risk: Invalid value: risk.highTierPerHour must not exceed risk.signalsPerHour",
        ),
        (
            "losses",
            {"risk": {"dailyLossPct": 10, "totalLossPct": 10}},
            "spec.risk: Invalid value: risk.dailyLossPct must be lower than risk.totalLossPct",
        ),
        (
            "versions",
            {"models": {"lstm": {"version": "2026-11-01"}, "transformer": {"version": "v2"}}},
            "spec.models: Invalid value: models.lstm.version and models.transformer.version "
            "must be the same",
        ),
        (
            "one-pinned",
            {"models": {"lstm": {"version": "2026-11-01"}}},
            "models.lstm.version and models.transformer.version must be the same",
        ),
        ("lower", {"symbols": ["btc-usd"]}, 'spec.symbols[0]: Invalid value: "btc-usd"'),
        (
            "twice",
            {"symbols": ["BTC-USD", "BTC-USD"]},
            'spec.symbols[1]: Duplicate value: "BTC-USD"',
        ),
        ("empty", {"symbols": []}, "spec.symbols in body should have at least 1 items"),
        ("live", {"mode": "live"}, 'spec.mode: Unsupported value: "live"'),
        (
            "candles",
            {"granularity": "TEN_MINUTE"},
            'spec.granularity: Unsupported value: "TEN_MINUTE"',
        ),
        ("cron", {"schedule": "often"}, 'spec.schedule: Invalid value: "often"'),
        ("confidence", {"risk": {"minConfidence": 2}}, "spec.risk.minConfidence: Invalid value: 2"),
        ("chats", {"telegram": {"allowedChats": [1]}}, "spec.telegram.secretRef: Required value"),
        (
            "cpu",
            {"modelServer": {"resources": {"requests": {"cpu": "2"}, "limits": {"cpu": "500m"}}}},
            "spec.modelServer.resources: Invalid value: "
            "modelServer.resources.limits.cpu must be at least requests.cpu",
        ),
        (
            "a-name-that-is-far-too-long-for-its-children-to-stay-valid",
            {},
            "Invalid value: metadata.name must be at most 40 characters",
        ),
    ],
)
def test_crd_rejects_invalid_spec_with_a_readable_message(
    kubectl: Kubectl, namespace: str, name: str, spec: dict[str, Any], message: str
) -> None:
    error = kubectl.fails("apply", "-n", namespace, "-f", "-", stdin=_bot(name, **spec))
    assert f'The TradingBot "{name}" is invalid' in error
    assert message in error


def test_crd_explain_describes_the_risk_fields(kubectl: Kubectl) -> None:
    text = kubectl("explain", "tradingbot.spec.risk")
    assert "FTMO-style risk limits" in text
    for field, words in [
        ("dailyLossPct", "Largest loss allowed in one day"),
        ("highTierPerHour", "at most signalsPerHour"),
        ("minConfidence", "Calibrated confidence"),
    ]:
        assert field in text
        assert words in " ".join(text.split())


def test_crd_printer_columns_and_short_name(kubectl: Kubectl, namespace: str) -> None:
    kubectl("apply", "-n", namespace, "-f", "-", stdin=_bot("columns"))
    status = {
        "riskStatus": "OK",
        "signals24h": 3,
        "conditions": [
            {
                "type": "Ready",
                "status": "True",
                "reason": "AllReady",
                "message": "all children ready",
                "lastTransitionTime": "2026-01-01T00:00:00Z",
            },
        ],
    }
    kubectl(
        "patch",
        "tb",
        "columns",
        "-n",
        namespace,
        "--subresource=status",
        "--type=merge",
        "-p",
        json.dumps({"status": status}),
    )
    header, row = kubectl("get", "tb", "columns", "-n", namespace).splitlines()
    assert header.split() == ["NAME", "MODE", "SYMBOLS", "READY", "RISK", "SIGNALS", "24H", "AGE"]
    assert row.split()[:6] == ["columns", "observe", '["BTC-USD"]', "True", "OK", "3"]


def test_crd_status_is_a_subresource(kubectl: Kubectl, namespace: str) -> None:
    kubectl("apply", "-n", namespace, "-f", "-", stdin=_bot("sub"))
    kubectl(
        "patch",
        "tb",
        "sub",
        "-n",
        namespace,
        "--type=merge",
        "-p",
        json.dumps({"status": {"riskStatus": "Halted"}, "spec": {"suspend": True}}),
    )
    bot = _get(kubectl, namespace, "sub")
    assert bot["spec"]["suspend"] is True
    assert "status" not in bot or "riskStatus" not in bot["status"]
    assert bot["metadata"]["generation"] == 2
