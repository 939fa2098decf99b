"""CDP API key credentials and the per-request JWT Coinbase Advanced Trade expects.

Signing is delegated to the official SDK's `coinbase.jwt_generator.build_rest_jwt`, which
produces exactly the documented token: ES256 over claims sub=<key name>, iss="cdp", nbf=now,
exp=nbf+120, uri="<METHOD> <host><path>", with header kid=<key name> and a random nonce.
We only add key validation up front (so a bad PEM fails before any request) and errors that
never echo the secret.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from coinbase import jwt_generator
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from crpbot.data.coinbase_errors import CoinbaseAuthError


@dataclass(frozen=True)
class CoinbaseCredentials:
    """A CDP API key: its name (organizations/.../apiKeys/...) and its PEM EC private key."""

    key_name: str
    private_key_pem: str = field(repr=False)

    def __post_init__(self) -> None:
        if not self.key_name.strip():
            raise CoinbaseAuthError("Coinbase API key name is empty")
        _check_ec_private_key(self.private_key_pem)


def _check_ec_private_key(pem: str) -> None:
    """Reject anything but a PEM P-256 key, with a message that does not quote the key."""
    try:
        key = serialization.load_pem_private_key(_normalise_pem(pem).encode(), password=None)
    except (ValueError, TypeError):
        raise CoinbaseAuthError(
            "Coinbase API secret is not a PEM EC private key "
            "(expected '-----BEGIN EC PRIVATE KEY-----')"
        ) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise CoinbaseAuthError("Coinbase API secret must be an ECDSA P-256 key (ES256)")


def _normalise_pem(pem: str) -> str:
    r"""Env vars often carry the PEM with literal '\n' sequences instead of newlines."""
    return pem.replace("\\n", "\n").strip() + "\n"


def request_uri(method: str, host: str, path: str) -> str:
    """The JWT `uri` claim: method, host (with port if any) and path, no scheme or query."""
    return f"{method.upper()} {host}{path}"


def build_request_jwt(credentials: CoinbaseCredentials, method: str, host: str, path: str) -> str:
    """A fresh token for one request; tokens live 120 s, so sign per request, never cache."""
    uri = request_uri(method, host, path)
    pem = _normalise_pem(credentials.private_key_pem)
    return str(jwt_generator.build_rest_jwt(uri, credentials.key_name, pem))
