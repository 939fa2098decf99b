"""Shared specs and renderings for the operator's unit tests (no cluster needed)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from crpbot_operator.images import Images
from crpbot_operator.render import Manifest, render_children
from crpbot_operator.spec import TradingBotSpec, parse_spec

FULL_SPEC: dict[str, Any] = {
    "symbols": ["BTC-USD", "ETH-USD"],
    "granularity": "FIVE_MINUTE",
    "schedule": "*/2 * * * *",
    "mode": "paper",
    "models": {
        "lstm": {"version": "v3"},
        "transformer": {"version": "v2"},
        "storageUri": "s3://models/crpbot",
    },
    "risk": {
        "accountSize": 50000,
        "dailyLossPct": 4,
        "totalLossPct": 8,
        "signalsPerHour": 6,
        "highTierPerHour": 3,
        "minConfidence": 0.6,
    },
    "telegram": {
        "secretRef": {"name": "tg", "key": "token"},
        "allowedChats": [42, -100],
        "adminUsers": [7001],
    },
    "database": {"secretRef": {"name": "db", "key": "url"}},
    "modelServer": {
        "replicas": 2,
        "resources": {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"memory": "3Gi"}},
    },
    "suspend": False,
}

IMAGES = Images(workers="example.org/workers:1", model_server="example.org/ts:1")

# (kind, name) of every child a bot named "alpha" gets, whatever its spec.
EXPECTED_CHILDREN = {
    ("ConfigMap", "alpha-config"),
    ("ServiceAccount", "alpha-scanner"),
    ("ServiceAccount", "alpha-model-server"),
    ("ServiceAccount", "alpha-risk-guard"),
    ("ServiceAccount", "alpha-telegram"),
    ("Role", "alpha-telegram"),
    ("RoleBinding", "alpha-telegram"),
    ("Deployment", "alpha-risk-guard"),
    ("Service", "alpha-risk-guard"),
    ("PodDisruptionBudget", "alpha-risk-guard"),
    ("Deployment", "alpha-model-server"),
    ("Service", "alpha-model-server"),
    ("Deployment", "alpha-telegram"),
    ("NetworkPolicy", "alpha-network"),
    ("PersistentVolumeClaim", "alpha-scanner-data"),
    ("CronJob", "alpha-scanner"),
}


def render(spec: dict[str, Any], name: str = "alpha", namespace: str = "bots") -> list[Manifest]:
    return render_children(name, namespace, parse_spec(spec), IMAGES)


def by_kind_name(children: list[Manifest]) -> dict[tuple[str, str], Manifest]:
    return {(c["kind"], c["metadata"]["name"]): c for c in children}


def pod_specs(children: list[Manifest]) -> list[tuple[str, Manifest]]:
    """Every pod template's spec, labelled by the owning object's name."""
    out = []
    for child in children:
        if child["kind"] == "Deployment":
            out.append((child["metadata"]["name"], child["spec"]["template"]["spec"]))
        elif child["kind"] == "CronJob":
            template = child["spec"]["jobTemplate"]["spec"]["template"]
            out.append((child["metadata"]["name"], template["spec"]))
    return out


@pytest.fixture
def full_spec() -> TradingBotSpec:
    return parse_spec(FULL_SPEC)


@pytest.fixture
def full_children() -> list[Manifest]:
    return render(FULL_SPEC)


@pytest.fixture
def minimal_children() -> list[Manifest]:
    return render({"symbols": ["BTC-USD"], "database": FULL_SPEC["database"]})


def spec_with(**changes: Any) -> dict[str, Any]:
    """FULL_SPEC with `changes` on top (a deep copy)."""
    spec = copy.deepcopy(FULL_SPEC)
    spec.update(changes)
    return spec


def container_of(child: Manifest, cronjob: bool = False) -> Manifest:
    """The first container of a Deployment's (or, with `cronjob`, a CronJob's) pod."""
    if cronjob:
        return child["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    return child["spec"]["template"]["spec"]["containers"][0]
