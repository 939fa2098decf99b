"""Drift detection: API-server defaults are not drift, hand edits of our fields are."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from crpbot_operator.drift import contains, drifted, find_child
from tests.unit.operator.conftest import FULL_SPEC, by_kind_name, render


def _live(desired: dict[str, Any]) -> dict[str, Any]:
    """What the API server hands back: our fields plus defaults, metadata and status."""
    live = copy.deepcopy(desired)
    live["metadata"].update(uid="u-1", resourceVersion="7", managedFields=[])
    live["status"] = {"availableReplicas": 1}
    spec = live["spec"]
    spec["revisionHistoryLimit"] = 10
    spec["template"]["spec"]["dnsPolicy"] = "ClusterFirst"
    spec["template"]["spec"]["containers"][0]["terminationMessagePath"] = "/dev/termination-log"
    return live


@pytest.fixture
def deployment() -> dict[str, Any]:
    return by_kind_name(render(FULL_SPEC))[("Deployment", "alpha-risk-guard")]


def test_drifted_ignores_server_defaults(deployment: dict[str, Any]) -> None:
    assert not drifted(_live(deployment), deployment)


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d["spec"].update(replicas=5),
        lambda d: d["spec"]["template"]["spec"]["containers"][0].update(image="evil:1"),
        lambda d: d["spec"]["template"]["spec"]["containers"][0]["env"].pop(),
        lambda d: d["metadata"]["labels"].pop("app.kubernetes.io/managed-by"),
        lambda d: d["spec"]["template"]["spec"]["securityContext"].update(runAsNonRoot=False),
    ],
    ids=["replicas", "image", "env-removed", "label-removed", "security"],
)
def test_drifted_detects_hand_edits(deployment: dict[str, Any], edit: Any) -> None:
    live = _live(deployment)
    edit(live)
    assert drifted(live, deployment)


@pytest.mark.parametrize(
    ("actual", "desired", "expected"),
    [
        ({"a": 1, "b": 2}, {"a": 1}, True),
        ({"a": 1}, {"a": 1, "b": 2}, False),
        ([1, 2], [1, 2], True),
        ([1, 2, 3], [1, 2], False),
        ([{"x": 1, "y": 2}], [{"x": 1}], True),
        ("1", 1, False),
        (None, {"a": 1}, False),
    ],
)
def test_contains_is_a_subtree_check(actual: Any, desired: Any, expected: bool) -> None:
    assert contains(actual, desired) is expected


def test_find_child_by_kind_and_name() -> None:
    children = render(FULL_SPEC)
    found = find_child(children, "Service", "alpha-model-server")
    assert found is not None and found["kind"] == "Service"
    assert find_child(children, "Service", "nope") is None
    assert find_child(children, "Deployment", "alpha-network") is None


def _model_server(requests: dict[str, str]) -> dict[str, Any]:
    spec = {**FULL_SPEC, "modelServer": {"replicas": 1, "resources": {"requests": requests}}}
    return by_kind_name(render(spec))[("Deployment", "alpha-model-server")]


@pytest.mark.parametrize(
    ("asked", "stored"),
    [
        ({"cpu": "0.5", "memory": "1024Mi"}, {"cpu": "500m", "memory": "1Gi"}),
        ({"cpu": "1.0", "memory": "2048Mi"}, {"cpu": "1", "memory": "2Gi"}),
        ({"cpu": "1000m", "memory": "1.5Gi"}, {"cpu": "1", "memory": "1536Mi"}),
    ],
    ids=["half-cpu", "whole-cpu", "fractional-memory"],
)
def test_drifted_compares_resources_as_quantities(
    asked: dict[str, str], stored: dict[str, str]
) -> None:
    """The API server stores quantities canonically; that is not a hand edit."""
    desired = _model_server(asked)
    live = _live(desired)
    live["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"] = stored
    assert not drifted(live, desired)


def test_drifted_sees_a_changed_quantity() -> None:
    desired = _model_server({"cpu": "0.5", "memory": "1024Mi"})
    live = _live(desired)
    live["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["cpu"] = "600m"
    assert drifted(live, desired)


def test_contains_compares_quantities_only_under_requests_and_limits() -> None:
    assert contains({"requests": {"cpu": "500m"}}, {"requests": {"cpu": "0.5"}})
    assert not contains({"data": {"cpu": "500m"}}, {"data": {"cpu": "0.5"}})
    assert not contains({"limits": {"note": "x"}}, {"limits": {"note": "y"}})
