"""Records to column values and back, by one rule for every table: a record names its
fields as its table names the columns. JSON columns hold lists and objects where the
frozen records keep tuples and mappings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


def column_values(record: DataclassInstance) -> dict[str, Any]:
    """The record as an insert's values; its `id` is left out, as the database numbers
    rows itself."""
    values: dict[str, Any] = {}
    for spec in fields(record):
        if spec.name == "id":
            continue
        value = getattr(record, spec.name)
        if isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, Mapping):
            value = dict(value)
        values[spec.name] = value
    return values


def record_from_row[R: DataclassInstance](cls: type[R], row: object) -> R:
    """`cls` read from the row's same-named attributes; JSON values are copied, so the record
    shares no state with the session's row."""
    values: dict[str, Any] = {}
    for spec in fields(cls):
        value = getattr(row, spec.name)
        if isinstance(value, list):
            value = tuple(value)
        elif isinstance(value, dict):
            value = dict(value)
        values[spec.name] = value
    return cls(**values)
