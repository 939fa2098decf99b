"""Identity and reachability: one ServiceAccount per workload, one NetworkPolicy per bot.

Only the Telegram bot talks to the Kubernetes API: `/pause` and `/resume` read and patch its
own TradingBot's `spec.suspend`, and it reads the bot's status conditions to tell the chats
when a component has failed. Its Role names that one object; no other workload gets a token.
The policy admits traffic to the risk guard and the model server only from this bot's own
pods.
"""

from __future__ import annotations

from crpbot_operator.render.common import (
    APP_NAME,
    BOT_API_GROUP,
    BOT_PLURAL,
    COMPONENT_MODEL_SERVER,
    COMPONENT_NETWORK,
    COMPONENT_RISK_GUARD,
    COMPONENT_SCANNER,
    COMPONENT_TELEGRAM,
    MODEL_SERVER_PORT,
    RISK_GUARD_PORT,
    BotContext,
    Manifest,
    metadata,
)

WORKLOADS = (COMPONENT_SCANNER, COMPONENT_MODEL_SERVER, COMPONENT_RISK_GUARD, COMPONENT_TELEGRAM)


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
                        "values": [COMPONENT_MODEL_SERVER, COMPONENT_RISK_GUARD],
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
                }
            ],
        },
    }
