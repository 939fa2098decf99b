"""Deciding whether a live child still matches what the operator renders for it.

The API server adds defaults and status to every object, so "matches" means every field
the operator sets is present with the same value; anything else is the server's or
another controller's business. Lists must match element by element in order, because a
list the operator owns is replaced whole by server-side apply.

"The same value" is what the API server stores, not the text sent: it keeps resource
quantities in canonical form (`cpu: 0.5` comes back as `500m`, `memory: 1024Mi` as `1Gi`),
so the values under `requests` and `limits` compare as quantities. Compared as text, a bot
asking for `0.5` CPU would be "repaired" on every event.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from kubernetes.utils import parse_quantity

# Keys whose values are maps of resource name -> quantity (containers, PVCs, quotas).
QUANTITY_MAPS = frozenset({"requests", "limits"})


def _quantity(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    try:
        return Decimal(parse_quantity(value))  # type: ignore[no-untyped-call]
    except ValueError:
        return None


def _same_quantity(actual: Any, desired: Any) -> bool:
    if actual == desired:
        return True
    wanted, found = _quantity(desired), _quantity(actual)
    return wanted is not None and wanted == found


def contains(actual: Any, desired: Any, quantities: bool = False) -> bool:
    """True when `desired` is a sub-tree of `actual`; leaves of a `requests` or `limits`
    map (`quantities`) compare by value as Kubernetes quantities."""
    if isinstance(desired, Mapping):
        if not isinstance(actual, Mapping):
            return False
        return all(
            key in actual and _contains_entry(actual[key], value, key, quantities)
            for key, value in desired.items()
        )
    if isinstance(desired, list):
        if not isinstance(actual, list) or len(actual) != len(desired):
            return False
        return all(contains(a, d) for a, d in zip(actual, desired, strict=True))
    return bool(actual == desired)


def _contains_entry(actual: Any, desired: Any, key: str, quantities: bool) -> bool:
    if quantities and not isinstance(desired, Mapping | list):
        return _same_quantity(actual, desired)
    return contains(actual, desired, quantities=key in QUANTITY_MAPS)


def drifted(actual: Mapping[str, Any], desired: Mapping[str, Any]) -> bool:
    """True when a hand edit (or anything else) moved the child away from its rendering."""
    return not contains(actual, desired)


def find_child(children: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any] | None:
    return next(
        (
            c
            for c in children
            if c.get("kind") == kind and (c.get("metadata") or {}).get("name") == name
        ),
        None,
    )
