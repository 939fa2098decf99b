"""Deciding whether a live child still matches what the operator renders for it.

The API server adds defaults and status to every object, so "matches" means every field
the operator sets is present with the same value; anything else is the server's or
another controller's business. Lists must match element by element in order, because a
list the operator owns is replaced whole by server-side apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def contains(actual: Any, desired: Any) -> bool:
    """True when `desired` is a sub-tree of `actual`."""
    if isinstance(desired, Mapping):
        if not isinstance(actual, Mapping):
            return False
        return all(key in actual and contains(actual[key], value) for key, value in desired.items())
    if isinstance(desired, list):
        if not isinstance(actual, list) or len(actual) != len(desired):
            return False
        return all(contains(a, d) for a, d in zip(actual, desired, strict=True))
    return bool(actual == desired)


def drifted(actual: Mapping[str, Any], desired: Mapping[str, Any]) -> bool:
    """True when a hand edit (or anything else) moved the child away from its rendering."""
    return not contains(actual, desired)


def child_key(obj: Mapping[str, Any]) -> tuple[str, str, str]:
    """Identity of a child within its namespace: (apiVersion, kind, name)."""
    meta = obj.get("metadata") or {}
    return str(obj.get("apiVersion")), str(obj.get("kind")), str(meta.get("name"))


def find_child(children: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any] | None:
    return next(
        (
            c
            for c in children
            if c.get("kind") == kind and (c.get("metadata") or {}).get("name") == name
        ),
        None,
    )
