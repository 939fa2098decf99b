"""What a reconcile does, between the pure rendering and the API adapter.

Handlers call these with a `BotRef` (the few owner fields that matter), so the same steps
serve the bot's own events, the drift watch on its children and the periodic resync.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import kopf

from crpbot_operator.apply import Applier
from crpbot_operator.drift import drifted, find_child
from crpbot_operator.images import Images
from crpbot_operator.render import Manifest, render_children
from crpbot_operator.render.common import BOT_API_GROUP, BOT_PLURAL, TOKEN_SECRETS
from crpbot_operator.spec import TradingBotSpec, parse_spec
from crpbot_operator.telemetry import DEFAULT_TELEMETRY, Telemetry

GROUP = BOT_API_GROUP
VERSION = "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"
KIND = "TradingBot"
PLURAL = BOT_PLURAL
# Children other children name: pods run as a ServiceAccount and mount the ConfigMap, and
# the API server admits a RoleBinding only once its Role exists (the operator holds no
# `bind` verb). They go first; everything else follows in one parallel wave.
REFERENCED_KINDS = frozenset({"ConfigMap", "ServiceAccount", "Role"})


@dataclass(frozen=True)
class BotRef:
    """A TradingBot as the reconcile steps need it: identity, labels, parsed spec."""

    name: str
    namespace: str
    uid: str
    generation: int
    spec: TradingBotSpec
    labels: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> BotRef:
        meta = body.get("metadata") or {}
        return cls(
            name=str(meta["name"]),
            namespace=str(meta["namespace"]),
            uid=str(meta["uid"]),
            generation=int(meta.get("generation") or 0),
            spec=parse_spec(body.get("spec") or {}),
            labels=dict(meta.get("labels") or {}),
        )

    def owner_body(self) -> dict[str, Any]:
        """Just enough of the object for owner references and Kubernetes Events."""
        return {
            "apiVersion": API_VERSION,
            "kind": KIND,
            "metadata": {
                "name": self.name,
                "namespace": self.namespace,
                "uid": self.uid,
                "labels": dict(self.labels),
            },
        }


def desired_children(
    bot: BotRef, images: Images, telemetry: Telemetry = DEFAULT_TELEMETRY
) -> list[Manifest]:
    """The rendering, adopted: owner references to the bot, the bot's labels copied."""
    children = render_children(bot.name, bot.namespace, bot.spec, images, telemetry)
    kopf.adopt(children, owner=cast(kopf.Body, bot.owner_body()))
    return children


def apply_waves(children: list[Manifest]) -> list[list[Manifest]]:
    """The children in the order they may be applied: each wave in parallel, waves in turn."""
    referenced = [c for c in children if c["kind"] in REFERENCED_KINDS]
    rest = [c for c in children if c["kind"] not in REFERENCED_KINDS]
    return [wave for wave in (referenced, rest) if wave]


def apply_bot(
    applier: Applier, bot: BotRef, images: Images, telemetry: Telemetry = DEFAULT_TELEMETRY
) -> list[Manifest]:
    """Bring every child to its rendering; token Secrets are created once, never rotated."""
    owner_ref = kopf.build_owner_reference(cast(kopf.Body, bot.owner_body()))
    for secret, key in TOKEN_SECRETS:
        applier.ensure_token_secret(bot.namespace, f"{bot.name}-{secret}", key, [dict(owner_ref)])
    children = desired_children(bot, images, telemetry)
    for wave in apply_waves(children):
        applier.apply_all(wave)
    return children


def resync_bot(
    applier: Applier, namespace: str, name: str, images: Images, telemetry: Telemetry
) -> bool:
    """Re-apply a bot's children from its spec as stored now; False when it is gone or going.

    The bot is read afresh rather than taken from an index, which may be stale (a peering
    standby's is frozen), so a resync can never bring back an older rendering.
    """
    body = applier.read_custom(API_VERSION, PLURAL, namespace, name)
    if body is None or (body.get("metadata") or {}).get("deletionTimestamp"):
        return False
    apply_bot(applier, BotRef.from_body(body), images, telemetry)
    return True


def repair_child(
    applier: Applier,
    bot: BotRef,
    images: Images,
    kind: str,
    name: str,
    actual: Mapping[str, Any] | None,
    telemetry: Telemetry = DEFAULT_TELEMETRY,
) -> bool:
    """Re-apply one child when it is gone (`actual` None) or differs; True if it did."""
    wanted = find_child(desired_children(bot, images, telemetry), kind, name)
    if wanted is None:
        return False
    if actual is not None and not drifted(actual, wanted):
        return False
    applier.apply(wanted)
    return True
