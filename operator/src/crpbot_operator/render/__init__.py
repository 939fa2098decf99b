"""Pure rendering of a TradingBot's children: same inputs, same manifests, no API calls.

Owner references are not set here; the handler adopts the result, so rendering can be
tested and diffed without a cluster or an owner object.
"""

from __future__ import annotations

from crpbot_operator.images import Images, resolve_images
from crpbot_operator.render.access import (
    render_network_policy,
    render_service_accounts,
    render_telegram_access,
)
from crpbot_operator.render.common import BotContext, Manifest
from crpbot_operator.render.config import config_data, config_hash, render_config_map
from crpbot_operator.render.model_server import render_model_server
from crpbot_operator.render.risk_guard import render_risk_guard
from crpbot_operator.render.scanner import render_scanner, render_scanner_data
from crpbot_operator.render.telegram import render_telegram
from crpbot_operator.spec import TradingBotSpec
from crpbot_operator.telemetry import DEFAULT_TELEMETRY, Telemetry, resolve_telemetry

__all__ = ["Manifest", "render_children"]


def render_children(
    name: str,
    namespace: str,
    spec: TradingBotSpec,
    images: Images,
    telemetry: Telemetry = DEFAULT_TELEMETRY,
) -> list[Manifest]:
    """Every child object of the bot, in an order safe to apply one by one.

    `images` and `telemetry` are the operator's defaults; the spec's overrides apply here.
    """
    images = resolve_images(images, spec.images)
    bare = BotContext(name=name, namespace=namespace, spec=spec, images=images)
    ctx = BotContext(
        name=name,
        namespace=namespace,
        spec=spec,
        images=images,
        config_hash=config_hash(config_data(bare)),
        telemetry=resolve_telemetry(telemetry, spec.telemetry),
    )
    return [
        render_config_map(ctx),
        *render_service_accounts(ctx),
        *render_telegram_access(ctx),
        *render_risk_guard(ctx),
        *render_model_server(ctx),
        render_telegram(ctx),
        render_network_policy(ctx),
        render_scanner_data(ctx),
        render_scanner(ctx),
    ]
