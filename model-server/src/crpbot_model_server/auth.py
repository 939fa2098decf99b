"""Bearer-key check for inference requests, done by the handler itself.

TorchServe 0.12's own token authorization draws random, expiring keys into a pod-local
`key_file.json` and takes none from outside, so a key kept in a Kubernetes Secret and shared
with the scanner cannot be TorchServe's key (docs/model-server.md). TorchServe's check stays
off; instead every inference request must carry `Authorization: Bearer <key>` with the key
from `CRPBOT_TORCHSERVE_KEY` (the operator fills it from the bot's Secret). The handler
refuses the request with 401 before its body is even parsed.

A server without a key would answer anyone who reaches its port, so a worker refuses to load
unless `CRPBOT_TORCHSERVE_INSECURE_NO_AUTH=1` says that is intended (local development).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass

KEY_ENV = "CRPBOT_TORCHSERVE_KEY"
INSECURE_ENV = "CRPBOT_TORCHSERVE_INSECURE_NO_AUTH"
# The shortest key accepted: a guessable key is no better than none.
MIN_KEY_LENGTH = 16
SCHEME = "bearer"
REFUSED = "missing or wrong bearer key (Authorization: Bearer <CRPBOT_TORCHSERVE_KEY>)"


class AuthConfigError(ValueError):
    """The server has no usable key and was not told to run without one."""


@dataclass(frozen=True)
class KeyCheck:
    """The key every request must present; `None` only when auth was turned off on purpose."""

    key: bytes | None

    def allows(self, headers: Mapping[str, str]) -> bool:
        """Whether the request's Authorization header carries the key (constant-time compare).

        Header names are matched case-insensitively: HTTP does not fix their case and
        TorchServe passes them on as the client sent them.
        """
        if self.key is None:
            return True
        value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        scheme, _, presented = str(value).strip().partition(" ")
        if scheme.lower() != SCHEME:
            return False
        return hmac.compare_digest(presented.strip().encode(), self.key)


def load_key_check(environ: Mapping[str, str]) -> KeyCheck:
    """The key from the environment, or AuthConfigError saying what to set."""
    key = environ.get(KEY_ENV, "").strip()
    if key:
        if len(key) < MIN_KEY_LENGTH:
            raise AuthConfigError(f"{KEY_ENV} is shorter than {MIN_KEY_LENGTH} characters")
        return KeyCheck(key.encode())
    if environ.get(INSECURE_ENV, "").strip().lower() in {"1", "true", "yes"}:
        return KeyCheck(None)
    raise AuthConfigError(
        f"{KEY_ENV} is not set: the model server refuses to serve without a key "
        f"(set {INSECURE_ENV}=1 to run unauthenticated, for local development only)"
    )
