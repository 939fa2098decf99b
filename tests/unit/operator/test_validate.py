"""Every rendered object is valid Kubernetes, checked offline against the API's JSON schemas."""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest

from tests.unit.operator.conftest import FULL_SPEC, render

K8S_VERSION = "1.32"


@pytest.mark.parametrize(
    "spec",
    [FULL_SPEC, {}, {**FULL_SPEC, "suspend": True, "telegram": None, "database": None}],
    ids=["full", "minimal", "suspended-bare"],
)
def test_render_children_validate_against_kubernetes_schemas(spec: dict[str, Any]) -> None:
    for child in render(spec):
        kubernetes_validate.validate(child, K8S_VERSION, strict=True)


def test_kubernetes_validate_catches_a_broken_child() -> None:
    broken = render(FULL_SPEC)[-1]
    broken["spec"]["concurrencyPolicy"] = 3
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, K8S_VERSION, strict=True)
