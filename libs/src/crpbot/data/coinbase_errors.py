"""Failures of the Coinbase adapter, each with a one-line message safe to show a user.

Messages never contain the key name's secret half or the PEM: callers print them verbatim.
"""

from __future__ import annotations


class CoinbaseError(Exception):
    """Any Coinbase request that could not be completed."""


class CoinbaseAuthError(CoinbaseError):
    """Credentials are malformed or were rejected (401/403); retrying cannot help."""


class CoinbaseRequestError(CoinbaseError):
    """The request itself was refused (4xx other than auth and rate limit)."""


class CoinbaseUnavailableError(CoinbaseError):
    """Rate limits, server errors or timeouts persisted through every retry."""


class RetryableResponseError(CoinbaseError):
    """One attempt failed in a way worth retrying; `retry_after` is the server's hint."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
