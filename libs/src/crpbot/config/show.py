"""Flatten settings into printable rows with every secret masked.

Masking happens here, once, so no caller can print a secret by forgetting to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, SecretStr

MASK = "********"


@dataclass(frozen=True)
class SettingRow:
    """One effective setting: dotted name, printable value, env var and description."""

    name: str
    value: str
    env: str
    description: str
    secret: bool


def _mask(name: str, value: SecretStr | None) -> str:
    if value is None:
        return "(unset)"
    raw = value.get_secret_value()
    if name == "database_url":
        return _mask_url_password(raw)
    return MASK


def _mask_url_password(url: str) -> str:
    """Show where a database is but not its password; anything unparsable is masked whole."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
        netloc = f"{parts.username}:***@{host}{port}"
        return urlunsplit(parts._replace(netloc=netloc))
    except ValueError:
        return MASK


def _render(value: Any) -> str:
    if value is None:
        return "(unset)"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def describe_settings(settings: BaseModel, prefix: str = "") -> list[SettingRow]:
    """Rows for every leaf field, in declaration order; secrets masked."""
    rows: list[SettingRow] = []
    for name, field in type(settings).model_fields.items():
        value = getattr(settings, name)
        dotted = f"{prefix}{name}"
        if isinstance(value, BaseModel):
            rows.extend(describe_settings(value, prefix=f"{dotted}."))
            continue
        secret = isinstance(value, SecretStr) or field.annotation in (SecretStr, SecretStr | None)
        shown = _mask(name, value) if secret else _render(value)
        env = "CRPBOT_" + dotted.replace(".", "__").upper()
        rows.append(SettingRow(dotted, shown, env, field.description or "", secret))
    return rows
