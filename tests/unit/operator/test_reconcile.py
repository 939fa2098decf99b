"""Adoption of the rendering: owner references and identity, still without a cluster."""

from __future__ import annotations

from crpbot_operator.images import Images
from crpbot_operator.reconcile import BotRef, apply_waves, desired_children
from tests.unit.operator.conftest import EXPECTED_CHILDREN, FULL_SPEC

BODY = {
    "apiVersion": "crpbot.io/v1alpha1",
    "kind": "TradingBot",
    "metadata": {
        "name": "alpha",
        "namespace": "bots",
        "uid": "0000-1111",
        "generation": 4,
        "labels": {"team": "quant"},
    },
    "spec": FULL_SPEC,
}


def test_bot_ref_from_body() -> None:
    bot = BotRef.from_body(BODY)
    assert (bot.name, bot.namespace, bot.uid, bot.generation) == ("alpha", "bots", "0000-1111", 4)
    assert bot.spec.risk.signals_per_hour == 6


def test_desired_children_are_owned_by_the_bot() -> None:
    children = desired_children(BotRef.from_body(BODY), Images("w:1", "ts:1"))
    assert {(c["kind"], c["metadata"]["name"]) for c in children} == EXPECTED_CHILDREN
    assert len(children) == len(EXPECTED_CHILDREN)
    for child in children:
        (ref,) = child["metadata"]["ownerReferences"]
        assert ref == {
            "apiVersion": "crpbot.io/v1alpha1",
            "kind": "TradingBot",
            "name": "alpha",
            "uid": "0000-1111",
            "controller": True,
            "blockOwnerDeletion": True,
        }
        assert child["metadata"]["labels"]["team"] == "quant"
        assert child["metadata"]["labels"]["app.kubernetes.io/instance"] == "alpha"


def test_apply_waves_put_what_others_name_first() -> None:
    children = desired_children(BotRef.from_body(BODY), Images("w:1", "ts:1"))
    first, second = apply_waves(children)
    assert {c["kind"] for c in first} == {"ConfigMap", "ServiceAccount", "Role"}
    assert {"RoleBinding", "Deployment", "CronJob"} <= {c["kind"] for c in second}
    assert sorted(map(id, first + second)) == sorted(map(id, children))
