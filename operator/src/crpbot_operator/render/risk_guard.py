"""The risk guard: Deployment, Service and PodDisruptionBudget.

Its state lives in the database, so replicas share it; with no database secret the guard
falls back to SQLite in its scratch space and must then run as a single replica.
"""

from __future__ import annotations

from crpbot_operator.render.common import (
    COMPONENT_RISK_GUARD,
    RISK_GUARD_PORT,
    BotContext,
    Manifest,
    metadata,
    pod_spec,
    pod_template,
    selector_labels,
    worker_env,
)

RISK_GUARD_RESOURCES = {
    "requests": {"cpu": "100m", "memory": "128Mi"},
    "limits": {"cpu": "500m", "memory": "512Mi"},
}


def risk_guard_replicas(ctx: BotContext) -> int:
    return 2 if ctx.spec.database is not None else 1


def _container(ctx: BotContext) -> Manifest:
    return {
        "name": "risk-guard",
        "image": ctx.images.workers,
        "command": [
            "crpbot",
            "risk-guard",
            "serve",
            "--host",
            "0.0.0.0",
            "--port",
            str(RISK_GUARD_PORT),
            "--database-url",
            "$(CRPBOT_DATABASE_URL)",
        ],
        "env": worker_env(ctx, COMPONENT_RISK_GUARD),
        "ports": [{"name": "http", "containerPort": RISK_GUARD_PORT}],
        "readinessProbe": {
            "httpGet": {"path": "/readyz", "port": "http"},
            "periodSeconds": 5,
            "failureThreshold": 3,
        },
        "livenessProbe": {
            "httpGet": {"path": "/healthz", "port": "http"},
            "initialDelaySeconds": 10,
            "periodSeconds": 10,
        },
        "resources": RISK_GUARD_RESOURCES,
    }


def render_risk_guard(ctx: BotContext) -> list[Manifest]:
    name = ctx.child(COMPONENT_RISK_GUARD)
    selector = selector_labels(ctx, COMPONENT_RISK_GUARD)
    pod = pod_spec(ctx, name, [_container(ctx)])
    deployment: Manifest = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(ctx, COMPONENT_RISK_GUARD),
        "spec": {
            "replicas": risk_guard_replicas(ctx),
            "selector": {"matchLabels": selector},
            "template": pod_template(ctx, COMPONENT_RISK_GUARD, pod),
        },
    }
    service: Manifest = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(ctx, COMPONENT_RISK_GUARD),
        "spec": {
            "selector": selector,
            "ports": [{"name": "http", "port": RISK_GUARD_PORT, "targetPort": "http"}],
        },
    }
    budget: Manifest = {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": metadata(ctx, COMPONENT_RISK_GUARD),
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": selector}},
    }
    return [deployment, service, budget]
