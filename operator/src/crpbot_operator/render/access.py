"""Identity and reachability: one ServiceAccount per workload, one NetworkPolicy per bot.

Only the Telegram bot talks to the Kubernetes API: `/pause` and `/resume` read and patch its
own TradingBot's `spec.suspend`, and it reads the bot's status conditions to tell the chats
when a component has failed. Its Role names that one object; no other workload gets a token.
The policy covers every pod that listens (the risk guard, the model server, the Telegram bot):
it admits this bot's own pods to the risk guard's and the model server's ports, and the
monitoring namespaces (`Telemetry.monitoring_namespace_selector`) to the metrics ports only.
The risk guard serves `/metrics` on its API port, so Prometheus reaches that port too; the API
itself still needs the bearer token.
"""

from __future__ import annotations

import copy

from crpbot_operator.render.common import (
    APP_NAME,
    BOT_API_GROUP,
    BOT_PLURAL,
    COMPONENT_MODEL_SERVER,
    COMPONENT_NETWORK,
    COMPONENT_RISK_GUARD,
    COMPONENT_SCANNER,
    COMPONENT_TELEGRAM,
    MODEL_SERVER_METRICS_PORT,
    MODEL_SERVER_PORT,
    RISK_GUARD_PORT,
    TELEGRAM_PORT,
    BotContext,
    Manifest,
    metadata,
)

WORKLOADS = (COMPONENT_SCANNER, COMPONENT_MODEL_SERVER, COMPONENT_RISK_GUARD, COMPONENT_TELEGRAM)
LISTENERS = (COMPONENT_MODEL_SERVER, COMPONENT_RISK_GUARD, COMPONENT_TELEGRAM)
METRICS_PORTS = (RISK_GUARD_PORT, TELEGRAM_PORT, MODEL_SERVER_METRICS_PORT)


def render_service_accounts(ctx: BotContext) -> list[Manifest]:
    return [
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": metadata(ctx, component),
            "automountServiceAccountToken": False,
        }
        for component in WORKLOADS
    ]


def render_telegram_access(ctx: BotContext) -> list[Manifest]:
    """A Role to read and patch this bot alone, bound to the Telegram bot's ServiceAccount."""
    name = ctx.child(COMPONENT_TELEGRAM)
    role: Manifest = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": metadata(ctx, COMPONENT_TELEGRAM),
        "rules": [
            {
                "apiGroups": [BOT_API_GROUP],
                "resources": [BOT_PLURAL],
                "resourceNames": [ctx.name],
                "verbs": ["get", "patch"],
            }
        ],
    }
    binding: Manifest = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": metadata(ctx, COMPONENT_TELEGRAM),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
        "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": ctx.namespace}],
    }
    return [role, binding]


def render_network_policy(ctx: BotContext) -> Manifest:
    own_pods = {"app.kubernetes.io/name": APP_NAME, "app.kubernetes.io/instance": ctx.name}
    monitoring = copy.deepcopy(ctx.telemetry.monitoring_namespace_selector)
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata(ctx, COMPONENT_NETWORK),
        "spec": {
            "podSelector": {
                "matchLabels": own_pods,
                "matchExpressions": [
                    {
                        "key": "app.kubernetes.io/component",
                        "operator": "In",
                        "values": list(LISTENERS),
                    }
                ],
            },
            "policyTypes": ["Ingress"],
            "ingress": [
                {
                    "from": [{"podSelector": {"matchLabels": own_pods}}],
                    "ports": [
                        {"protocol": "TCP", "port": RISK_GUARD_PORT},
                        {"protocol": "TCP", "port": MODEL_SERVER_PORT},
                    ],
                },
                {
                    "from": [{"namespaceSelector": monitoring}],
                    "ports": [{"protocol": "TCP", "port": port} for port in METRICS_PORTS],
                },
            ],
        },
    }
