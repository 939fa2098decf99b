"""The operator's ClusterRole, checked offline against what the operator's code does.

When the operator starts writing or watching a new kind, these fail until the role grants it;
when the role grows beyond the code, they fail too (least privilege).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from crpbot_operator.apply import object_path
from crpbot_operator.handlers.children import PLAIN_KINDS, STATEFUL_KINDS
from crpbot_operator.images import images_from_env
from crpbot_operator.render import render_children
from crpbot_operator.spec import parse_spec

RBAC = Path(__file__).resolve().parents[3] / "manifests" / "rbac"
Grant = tuple[str, str, str]  # (apiGroup, resource, verb)
GROUP_OF = {
    "configmaps": "",
    "secrets": "",
    "serviceaccounts": "",
    "services": "",
    "persistentvolumeclaims": "",
    "deployments": "apps",
    "cronjobs": "batch",
    "poddisruptionbudgets": "policy",
    "networkpolicies": "networking.k8s.io",
    "roles": "rbac.authorization.k8s.io",
    "rolebindings": "rbac.authorization.k8s.io",
}


def _full_sample_children() -> list[dict[str, Any]]:
    sample = yaml.safe_load((RBAC.parent / "samples" / "tradingbot-full.yaml").read_text())
    return render_children("bot", "ns", parse_spec(sample["spec"]), images_from_env({}))


def _applied_plurals() -> set[str]:
    """What a reconcile of the fullest sample writes, plus the risk token Secret."""
    paths = [object_path(c["apiVersion"], c["kind"], "ns") for c in _full_sample_children()]
    return {path.rsplit("/", 1)[1] for path in paths} | {"secrets"}


APPLIED_PLURALS = _applied_plurals()


def _documents() -> list[dict[str, Any]]:
    return [
        doc
        for path in sorted(RBAC.glob("*.yaml"))
        for doc in yaml.safe_load_all(path.read_text())
        if doc
    ]


def _grants() -> set[Grant]:
    (role,) = [d for d in _documents() if d["kind"] == "ClusterRole"]
    return {
        (group, resource, verb)
        for rule in role["rules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }


def test_rbac_role_has_no_wildcards_and_no_destructive_verbs() -> None:
    grants = _grants()
    assert not [g for g in grants if "*" in g]
    # The one update: the finalizers subresource, which blockOwnerDeletion requires.
    updates = [g for g in grants if g[2] in {"delete", "deletecollection", "update"}]
    assert updates == [("crpbot.io", "tradingbots/finalizers", "update")]
    assert not [g for g in grants if g[2] in {"escalate", "bind", "impersonate"}]


def test_rbac_operator_cannot_read_secrets() -> None:
    secret_verbs = {verb for group, resource, verb in _grants() if resource == "secrets"}
    assert secret_verbs == {"create"}


@pytest.mark.parametrize("plural", sorted(APPLIED_PLURALS - {"secrets"}))
def test_rbac_every_applied_kind_may_be_server_side_applied(plural: str) -> None:
    grants = _grants()
    for verb in ("create", "patch"):
        assert (GROUP_OF[plural], plural, verb) in grants, (plural, verb)


@pytest.mark.parametrize(("group", "plural"), [(g, p) for g, _, p in STATEFUL_KINDS + PLAIN_KINDS])
def test_rbac_every_watched_kind_may_be_listed_and_watched(group: str, plural: str) -> None:
    grants = _grants()
    assert (group, plural, "list") in grants
    assert (group, plural, "watch") in grants


def test_rbac_children_grants_do_not_exceed_what_the_code_does() -> None:
    watched = {p for _, _, p in STATEFUL_KINDS + PLAIN_KINDS}
    for group, resource, verb in _grants():
        if resource in GROUP_OF:
            used = resource in APPLIED_PLURALS or resource in watched
            assert used, (group, resource, verb)


def test_rbac_binding_names_the_service_account_and_role() -> None:
    docs = {d["kind"]: d for d in _documents()}
    account = docs["ServiceAccount"]["metadata"]
    binding = docs["ClusterRoleBinding"]
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "ClusterRole",
        "name": docs["ClusterRole"]["metadata"]["name"],
    }
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": account["name"], "namespace": account["namespace"]}
    ]


def test_rbac_operator_holds_every_permission_its_roles_grant() -> None:
    """The API server refuses a Role granting more than its writer holds (no escalate verb)."""
    grants = _grants()
    roles = [c for c in _full_sample_children() if c["kind"] == "Role"]
    assert roles
    for role in roles:
        for rule in role["rules"]:
            for group in rule["apiGroups"]:
                for resource in rule["resources"]:
                    for verb in rule["verbs"]:
                        assert (group, resource, verb) in grants, (group, resource, verb)
