"""The bot's ConfigMap: the settings file every worker reads and TorchServe's properties.

Keys follow `crpbot.config.Settings` (the workers' one settings model), so a worker in the
cluster and a local run read the same names; secrets never go here, they arrive as
`CRPBOT_*` environment variables from Secrets.
"""

from __future__ import annotations

import hashlib
from typing import Any

import yaml

from crpbot_operator.render.common import (
    COMPONENT_CONFIG,
    COMPONENT_MODEL_SERVER,
    COMPONENT_RISK_GUARD,
    MODEL_SERVER_METRICS_PORT,
    MODEL_SERVER_PORT,
    RISK_GUARD_PORT,
    BotContext,
    Manifest,
    metadata,
)
from crpbot_operator.spec import TelegramSpec

MODEL_STORE = "/models"
# libyaml's dumper when PyYAML has it: every drift check renders the config, and the pure
# Python dumper was the largest CPU cost of a render. Both emit the same document.
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

# model-server/config.properties with the pod's model store (the image's defaults are not
# read: --ts-config names this file). Prometheus metrics mode: in TorchServe's default (log)
# mode port 8082 serves no `ts_*` request counts, so the PodMonitor scraped nothing useful
# (found by running the pod on a real node, tests/k8s/test_real_node_path.py).
TORCHSERVE_PROPERTIES = "\n".join(
    [
        f"inference_address=http://0.0.0.0:{MODEL_SERVER_PORT}",
        "management_address=http://127.0.0.1:8081",
        f"metrics_address=http://0.0.0.0:{MODEL_SERVER_METRICS_PORT}",
        f"model_store={MODEL_STORE}",
        "load_models=all",
        "disable_token_authorization=true",
        "enable_model_api=true",
        "install_py_dep_per_model=false",
        "default_workers_per_model=1",
        "default_response_timeout=10",
        "job_queue_size=200",
        "number_of_netty_threads=2",
        "netty_client_threads=2",
        "metrics_mode=prometheus",
        "enable_envvars_config=true",
        "vmargs=-Xmx512m -XX:+UseContainerSupport -XX:+ExitOnOutOfMemoryError",
        "",
    ]
)


def bot_settings(ctx: BotContext) -> dict[str, Any]:
    """The worker settings for this bot, as `crpbot.config.Settings` field names."""
    spec = ctx.spec
    return {
        "bot_name": ctx.name,
        "mode": spec.mode,
        "symbols": list(spec.symbols),
        "granularity": spec.granularity,
        "inference": "torchserve",
        "torchserve_url": ctx.service_url(COMPONENT_MODEL_SERVER, MODEL_SERVER_PORT),
        "data_dir": "/tmp/data",
        # The model store `fetch-models` fills (render.model_store): where the scanner reads
        # the metadata of the version the model server serves.
        "model_dir": MODEL_STORE,
        "report_dir": "/tmp/reports",
        "log_format": "json",
        "risk": {
            "account_size": spec.risk.account_size,
            "daily_loss_pct": spec.risk.daily_loss_pct,
            "total_loss_pct": spec.risk.total_loss_pct,
            "signals_per_hour": spec.risk.signals_per_hour,
            "high_tier_per_hour": spec.risk.high_tier_per_hour,
            "min_confidence": spec.risk.min_confidence,
            "guard_url": ctx.service_url(COMPONENT_RISK_GUARD, RISK_GUARD_PORT),
        },
        "telegram": _telegram_settings(spec.telegram),
    }


def _telegram_settings(telegram: TelegramSpec | None) -> dict[str, Any]:
    """Chats and users from the spec; the Bot API URL only when the spec names one, so the
    workers' own default (api.telegram.org) stays the single place that knows it."""
    if telegram is None:
        return {"allowed_chats": [], "admin_users": []}
    settings: dict[str, Any] = {
        "allowed_chats": list(telegram.allowed_chats),
        "admin_users": list(telegram.admin_users),
    }
    if telegram.api_base_url:
        settings["base_url"] = telegram.api_base_url
    return settings


def config_data(ctx: BotContext) -> dict[str, str]:
    return {
        "config.yaml": yaml.dump(bot_settings(ctx), Dumper=_DUMPER, sort_keys=True),
        "torchserve.properties": TORCHSERVE_PROPERTIES,
    }


def config_hash(data: dict[str, str]) -> str:
    """A short digest of the config; pods carry it so a config change rolls them."""
    digest = hashlib.sha256()
    for key in sorted(data):
        digest.update(key.encode())
        digest.update(data[key].encode())
    return digest.hexdigest()[:16]


def render_config_map(ctx: BotContext) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(ctx, COMPONENT_CONFIG),
        "data": config_data(ctx),
    }
