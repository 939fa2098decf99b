"""Secret redaction for anything that may reach a log line.

Two nets: values registered at start-up (the settings' secrets) are replaced wherever they
appear, and shapes that are secrets whatever their source (PEM keys, bearer tokens, JWTs,
passwords in URLs, secret-named keys) are replaced even if nobody registered them.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import Any

MASK = "[REDACTED]"

_SECRET_KEY = re.compile(
    r"(pass(word)?|secret|token|api[_-]?key|private[_-]?key|authorization|credential|cookie)",
    re.IGNORECASE,
)
_PATTERNS = (
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S),
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9\-._~+/]+=*"),
    re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"),
    re.compile(r"\b\d{6,12}:[A-Za-z0-9_-]{30,}\b"),  # Telegram bot token shape
)
_URL_PASSWORD = re.compile(r"(?P<scheme>[a-z][a-z0-9+.\-]*://[^:/@\s]+:)(?P<pw>[^@\s]+)(?=@)")

_registered: set[str] = set()
_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Remember a secret value so it is masked wherever it shows up later."""
    if value and len(value) >= 4:
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
    return _URL_PASSWORD.sub(lambda m: m.group("scheme") + MASK, text)


def redact_value(key: str, value: Any) -> Any:
    """Mask a structured value: whole when its key names a secret, recursively otherwise."""
    if _SECRET_KEY.search(key) and value not in (None, ""):
        return MASK
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {str(k): redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(key, v) for v in value]
    return value
