"""A chain of secret sources with a TTL cache.

The first source that holds a key wins (env before files before AWS, by default), so an
operator can override a mounted value for one pod. Values come back as `SecretStr` and are
registered for log redaction, so printing or logging them by mistake shows a mask. The cache
is short-lived on purpose: rotated Kubernetes Secrets and AWS secrets are picked up without a
restart.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pydantic import SecretStr

from crpbot.secrets.sources import SecretSource
from crpbot.telemetry.redact import register_secret


class MissingSecretError(LookupError):
    """A required secret is in none of the sources; the message names where we looked."""


@dataclass(frozen=True)
class _Cached:
    value: SecretStr | None
    expires_at: float


class SecretStore:
    """Resolve secrets by name across sources, caching answers for `ttl_s` seconds."""

    def __init__(
        self,
        sources: Sequence[SecretSource],
        ttl_s: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sources = list(sources)
        self._ttl_s = ttl_s
        self._clock = clock
        self._cache: dict[str, _Cached] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> SecretStr | None:
        """The secret, or None when no source holds it."""
        now = self._clock()
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None and cached.expires_at > now:
                return cached.value
        value = self._resolve(key)
        with self._lock:
            self._cache[key] = _Cached(value, now + self._ttl_s)
        return value

    def require(self, key: str) -> SecretStr:
        """The secret, or an error that says which sources were searched."""
        value = self.get(key)
        if value is None:
            where = ", ".join(source.name for source in self._sources) or "no sources"
            raise MissingSecretError(f"secret {key!r} not found (looked in: {where})")
        return value

    def invalidate(self, key: str | None = None) -> None:
        """Forget cached answers (one key, or all), e.g. after a rotation signal."""
        with self._lock:
            if key is None:
                self._cache.clear()
            else:
                self._cache.pop(key, None)

    def _resolve(self, key: str) -> SecretStr | None:
        for source in self._sources:
            raw = source.lookup(key)
            if raw is not None:
                register_secret(raw)
                return SecretStr(raw)
        return None
