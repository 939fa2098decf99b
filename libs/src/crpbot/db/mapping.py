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
    return {f.name: _to_json(getattr(record, f.name)) for f in fields(record) if f.name != "id"}


def record_from_row[R: DataclassInstance](cls: type[R], row: object) -> R:
    """`cls` read from the row's same-named attributes; JSON values are copied, so the record
    shares no state with the session's row."""
    return cls(**{f.name: _from_json(getattr(row, f.name)) for f in fields(cls)})


def _to_json(value: object) -> object:
    if isinstance(value, tuple):
        return list(value)
    return dict(value) if isinstance(value, Mapping) else value


def _from_json(value: object) -> object:
    if isinstance(value, list):
        return tuple(value)
    return dict(value) if isinstance(value, dict) else value
