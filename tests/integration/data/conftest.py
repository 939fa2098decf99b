"""The Coinbase stand-in (tests/fixtures/coinbase_standin.py) and clients pointed at it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from crpbot.data.coinbase import CoinbaseClient
from crpbot.data.coinbase_auth import CoinbaseCredentials
from crpbot.data.coinbase_http import RetryPolicy
from tests.fixtures.coinbase_standin import (
    KEY_NAME,
    CoinbaseStandin,
    credentials,
    ec_key,
    pem_of,
    standin,
)

__all__ = ["credentials", "ec_key", "standin"]


@pytest.fixture
def fast_policy() -> RetryPolicy:
    return RetryPolicy(
        attempts=4, backoff_initial=0.001, backoff_max=0.005, jitter=0.001, timeout=2.0
    )


@pytest.fixture
def wrong_credentials() -> CoinbaseCredentials:
    """Same key name, a different private key: what a rotated or mistyped secret looks like."""
    return CoinbaseCredentials(KEY_NAME, pem_of(ec.generate_private_key(ec.SECP256R1())))


@pytest.fixture
def sleeps() -> list[float]:
    """Waits the client asked for, recorded instead of slept so retry tests stay fast."""
    return []


@pytest.fixture
def client_factory(
    standin: CoinbaseStandin, fast_policy: RetryPolicy, sleeps: list[float]
) -> Callable[..., CoinbaseClient]:
    def make(
        credentials: CoinbaseCredentials | None = None, policy: RetryPolicy | None = None
    ) -> CoinbaseClient:
        return CoinbaseClient(
            credentials=credentials,
            base_url=standin.base_url,
            policy=policy or fast_policy,
            sleep=sleeps.append,
            pacing=False,
        )

    return make
