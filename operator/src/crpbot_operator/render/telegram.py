"""The Telegram bot Deployment.

Telegram allows one long-poller per bot token, so there is exactly one pod and an update
stops the old pod before starting the new one (`Recreate`). Without a token secret in the
spec the Deployment is kept at zero replicas, so the set of children never depends on it.
Its pod mounts a ServiceAccount token: `/pause` patches the bot's own TradingBot and the
condition alerts read its status (see `render_telegram_access`). It serves `/metrics` (and its
health routes) on a declared port on every interface, for Prometheus to scrape.
"""

from __future__ import annotations

from crpbot_operator.render.common import (
    COMPONENT_TELEGRAM,
    HTTP_PORT_NAME,
    TELEGRAM_PORT,
    BotContext,
    Manifest,
    metadata,
    pod_spec,
    pod_template,
    selector_labels,
    worker_env,
)

TELEGRAM_RESOURCES = {
    "requests": {"cpu": "50m", "memory": "128Mi"},
    "limits": {"cpu": "250m", "memory": "256Mi"},
}


def telegram_replicas(ctx: BotContext) -> int:
    telegram = ctx.spec.telegram
    return 1 if telegram is not None and telegram.secret_ref is not None else 0


def render_telegram(ctx: BotContext) -> Manifest:
    container: Manifest = {
        "name": "telegram",
        "image": ctx.images.workers,
        "command": [
            "crpbot",
            "telegram",
            "serve",
            "--host",
            "0.0.0.0",
            "--port",
            str(TELEGRAM_PORT),
        ],
        "env": worker_env(ctx, COMPONENT_TELEGRAM),
        "ports": [{"name": HTTP_PORT_NAME, "containerPort": TELEGRAM_PORT}],
        "resources": TELEGRAM_RESOURCES,
    }
    pod = pod_spec(ctx, ctx.child(COMPONENT_TELEGRAM), [container], api_token=True)
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(ctx, COMPONENT_TELEGRAM),
        "spec": {
            "replicas": telegram_replicas(ctx),
            "strategy": {"type": "Recreate"},
            "selector": {"matchLabels": selector_labels(ctx, COMPONENT_TELEGRAM)},
            "template": pod_template(ctx, COMPONENT_TELEGRAM, pod),
        },
    }
