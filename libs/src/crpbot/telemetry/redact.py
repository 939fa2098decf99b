"""Secret redaction for anything that may reach a log line.

Two nets: values registered at start-up (every secret the settings hold, registered when the
settings are built) are replaced wherever they appear, and shapes that are secrets whatever
their source (PEM keys, bearer tokens, JWTs, AWS access key ids, passwords in URLs, in their
userinfo or query string, secret-named keys) are replaced even if nobody registered them.
The shapes also catch secrets too short to register (under four characters): replacing
every "pw" in every line would make logs unreadable without protecting anything.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import Any

MASK = "[REDACTED]"
MIN_SECRET_LENGTH = 4

SECRET_NAME = re.compile(
    r"(pass(word)?|pwd|secret|token|api[_-]?key|private[_-]?key|authorization|credential|cookie)",
    re.IGNORECASE,
)
"""A key, header or query parameter whose value is a secret whatever it looks like."""

_PATTERNS = (
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S),
    # Up to whitespace or a quote: a token may hold any printable character, and a mask that
    # stops at the first unusual one would leave the rest of it in the line.
    re.compile(r"(?i)\bbearer\s+[^\s'\"]+"),
    re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"),
    re.compile(r"\b\d{6,12}:[A-Za-z0-9_-]{30,}\b"),  # Telegram bot token shape
    re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"),  # AWS access key id
)
# A password already shown as `***` (SQLAlchemy's own mask) is left as it is.
_URL_PASSWORD = re.compile(
    r"(?P<scheme>[a-z][a-z0-9+.\-]*://[^:/@\s]+:)(?P<pw>(?!\*+@)[^@\s]+)(?=@)"
)
_QUERY_SECRET = re.compile(
    r"(?P<name>[?&;](?:[a-z_]*)" + SECRET_NAME.pattern + r"[a-z_]*=)(?P<value>[^&;#\s'\"]+)",
    re.IGNORECASE,
)

_registered: set[str] = set()
_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Remember a secret value so it is masked wherever it shows up later."""
    if value and len(value) >= MIN_SECRET_LENGTH:
        with _lock:
            _registered.add(value)


def redact_text(text: str) -> str:
    """Mask registered secrets and secret-shaped substrings in free text."""
    with _lock:
        known = sorted(_registered, key=len, reverse=True)
    for secret in known:
        text = text.replace(secret, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(MASK, text)
    text = _QUERY_SECRET.sub(lambda m: m.group("name") + MASK, text)
    return _URL_PASSWORD.sub(lambda m: m.group("scheme") + MASK, text)


def redact_value(key: str, value: Any) -> Any:
    """Mask a structured value: whole when its key names a secret, recursively otherwise."""
    if SECRET_NAME.search(key) and value not in (None, ""):
        return MASK
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {str(k): redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(key, v) for v in value]
    return value
