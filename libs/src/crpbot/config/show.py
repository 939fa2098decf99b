"""Flatten settings into printable rows with every secret masked.

Masking happens here, once, so no caller can print a secret by forgetting to. Values that
are not secret settings still pass the log redactor: a URL setting may carry a password too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, SecretStr

from crpbot.telemetry.redact import SECRET_NAME, redact_text

MASK = "********"


@dataclass(frozen=True)
class SettingRow:
    """One effective setting: dotted name, printable value, env var and description."""

    name: str
    value: str
    env: str
    description: str
    secret: bool


def _mask(value: SecretStr | None) -> str:
    """A URL keeps its host and database, the rest is masked whole."""
    if value is None:
        return "(unset)"
    raw = value.get_secret_value()
    return _mask_url_password(raw) if "://" in raw else MASK


def _mask_url_password(url: str) -> str:
    """Show where a database is but not its password (userinfo or query string); anything
    unparsable is masked whole. A URL with nothing to mask is shown as written."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if parts.password is not None:
            host = parts.hostname or ""
            port = f":{parts.port}" if parts.port else ""
            netloc = f"{parts.username}:***@{host}{port}"
    except ValueError:
        return MASK
    query = "&".join(_mask_param(piece) for piece in parts.query.split("&")) if parts.query else ""
    if (netloc, query) == (parts.netloc, parts.query):
        return url
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def _mask_param(piece: str) -> str:
    name, sep, value = piece.partition("=")
    return f"{name}=***" if sep and value and SECRET_NAME.search(name) else piece


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
        shown = _mask(value) if secret else redact_text(_render(value))
        env = "CRPBOT_" + dotted.replace(".", "__").upper()
        rows.append(SettingRow(dotted, shown, env, field.description or "", secret))
    return rows
