"""Metric names a PromQL expression selects, for checking queries against the catalog.

A lexical pass, not a full parser: it drops what cannot be a metric name (strings, label
matchers, ranges, grouping label lists, Grafana variables, numbers and durations) and keeps
identifiers that are not keywords and are not called as functions. Good enough for the
queries we write; its own tests pin the cases we rely on.
"""

from __future__ import annotations

import re

KEYWORDS = frozenset(
    {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless"}
    | {"bool", "offset", "inf", "nan"}
)
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_BRACES = re.compile(r"\{[^{}]*\}")
_BRACKETS = re.compile(r"\[[^\[\]]*\]")
_GROUPING = re.compile(
    r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)", re.IGNORECASE
)
_VARIABLE = re.compile(r"\$\{[^}]*\}|\$\w+")
_LABEL_VALUES = re.compile(r"\blabel_values\(\s*([a-zA-Z_:][\w:]*)\s*(?:\{[^{}]*\})?\s*,[^)]*\)")
_IDENT = re.compile(r"(?<![\w.])([a-zA-Z_:][\w:]*)(\s*\()?")


def metric_names(expr: str) -> set[str]:
    """Every metric name `expr` reads (Grafana's label_values(metric, label) included)."""
    text = _STRING.sub(" ", expr)
    text = _LABEL_VALUES.sub(r" \1 ", text)
    text = _VARIABLE.sub(" ", text)
    text = _BRACES.sub(" ", text)
    text = _BRACKETS.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    names: set[str] = set()
    for match in _IDENT.finditer(text):
        name, called = match.group(1), match.group(2)
        if called or name.lower() in KEYWORDS:
            continue
        names.add(name)
    return names
