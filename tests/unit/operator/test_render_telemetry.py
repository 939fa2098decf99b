"""How each rendered workload exports telemetry: where the scanner pushes, and the resource
(namespace, bot, instance) every process's metrics carry."""

from __future__ import annotations

import re

import pytest

from crpbot.config import Settings
from crpbot_operator.render import Manifest, render_children
from crpbot_operator.spec import parse_spec
from crpbot_operator.telemetry import Telemetry
from tests.unit.operator.conftest import IMAGES, pod_specs, spec_with

WORKERS = ("alpha-scanner", "alpha-risk-guard", "alpha-telegram")
POD_FIELDS = {"metadata.namespace": "bots", "metadata.name": "{owner}-7f9c4"}
_REFERENCE = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


def _environment(env: list[Manifest], owner: str) -> dict[str, str]:
    """The variables as the kubelet sets them: downward-API fields filled in and `$(VAR)`
    expanded from the variables defined before it (a later one is left as written)."""
    resolved: dict[str, str] = {}
    for entry in env:
        if "value" in entry:
            value = _REFERENCE.sub(lambda m: resolved.get(m[1], m[0]), entry["value"])
        elif "fieldRef" in entry.get("valueFrom", {}):
            value = POD_FIELDS[entry["valueFrom"]["fieldRef"]["fieldPath"]].format(owner=owner)
        else:
            continue
        resolved[entry["name"]] = value
    return resolved


def _worker_environments(children: list[Manifest]) -> dict[str, dict[str, str]]:
    return {
        owner: _environment(pod["containers"][0]["env"], owner)
        for owner, pod in pod_specs(children)
        if owner in WORKERS
    }


def _resource(env: dict[str, str]) -> dict[str, str]:
    pairs = (item.split("=", 1) for item in env["OTEL_RESOURCE_ATTRIBUTES"].split(","))
    return dict(pairs)


def _render(operator: Telemetry, telemetry: dict[str, str] | None = None) -> list[Manifest]:
    spec = parse_spec(spec_with(telemetry=telemetry or {}))
    return render_children("alpha", "bots", spec, IMAGES, operator)


@pytest.mark.parametrize(
    ("operator", "spec", "expected"),
    [
        (
            Telemetry("prometheus", "http://prom:9090/api/v1/otlp"),
            {},
            ("otlp", "http://prom:9090/api/v1/otlp"),
        ),
        (Telemetry("otlp", "http://otel:4318"), {}, ("otlp", "http://otel:4318")),
        (Telemetry(), {"otlpEndpoint": "http://c:4318"}, ("otlp", "http://c:4318")),
        (Telemetry("otlp", "http://otel:4318"), {"exporter": "none"}, ("none", None)),
        (Telemetry(), {}, ("none", None)),
    ],
    ids=["prometheus-receiver", "collector", "bot-endpoint", "bot-none", "no-endpoint"],
)
def test_render_scanner_pushes_otlp_whatever_the_long_lived_exporter(
    operator: Telemetry, spec: dict[str, str], expected: tuple[str, str | None]
) -> None:
    env = _worker_environments(_render(operator, spec))["alpha-scanner"]
    got = (env["CRPBOT_TELEMETRY__EXPORTER"], env.get("CRPBOT_TELEMETRY__OTLP_ENDPOINT"))
    assert got == expected
    parsed = Settings(telemetry={"exporter": got[0], "otlp_endpoint": got[1]}).telemetry
    assert parsed.exporter != "prometheus", "nothing scrapes a pod that has exited"


def test_render_every_worker_names_its_namespace_bot_and_instance() -> None:
    envs = _worker_environments(_render(Telemetry("otlp", "http://otel:4318")))
    assert set(envs) == set(WORKERS)
    for owner, env in envs.items():
        resource = _resource(env)
        assert resource["k8s.namespace.name"] == resource["namespace"] == "bots", owner
        assert resource["bot"] == "alpha", owner
        assert "$(" not in env["OTEL_RESOURCE_ATTRIBUTES"], owner
    for owner in ("alpha-risk-guard", "alpha-telegram"):
        resource = _resource(envs[owner])
        assert resource["service.instance.id"] == resource["k8s.pod.name"] == f"{owner}-7f9c4"


def test_render_scanner_resource_is_the_same_on_every_run() -> None:
    """Deltas add up only within one stream: no per-pod attribute on the scanner."""
    cron = next(c for c in _render(Telemetry("otlp", "http://o:4318")) if c["kind"] == "CronJob")
    env = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["env"]
    first, second = _environment(env, "alpha-scanner-1"), _environment(env, "alpha-scanner-2")
    assert _resource(first) == _resource(second)
    assert _resource(first)["service.instance.id"] == "alpha-scanner"
    assert "k8s.pod.name" not in _resource(first)
