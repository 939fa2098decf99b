"""Fixtures for the data tests: an EC key pair, the Coinbase stand-in and fast retry policies."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from crpbot.data.coinbase import CoinbaseClient
from crpbot.data.coinbase_auth import CoinbaseCredentials
from crpbot.data.coinbase_http import RetryPolicy
from tests.fixtures.candles import build_candles

KEY_NAME = "organizations/org-test/apiKeys/key-test"
DATA_START = 1_700_000_000 - 1_700_000_000 % 3600
DATA_END = DATA_START + 2000 * 3600


def load_standin_module() -> ModuleType:
    """Import the stand-in by path: tests run with --import-mode=importlib (no sys.path)."""
    name = "coinbase_standin"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, Path(__file__).with_name("coinbase_standin.py")
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def pem_of(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()


@pytest.fixture(scope="session")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture
def credentials(ec_key: ec.EllipticCurvePrivateKey) -> CoinbaseCredentials:
    return CoinbaseCredentials(KEY_NAME, pem_of(ec_key))


@pytest.fixture
def standin_module() -> ModuleType:
    return load_standin_module()


@pytest.fixture
def standin(ec_key: ec.EllipticCurvePrivateKey, standin_module: ModuleType) -> Iterator[object]:
    server = standin_module.CoinbaseStandin(
        KEY_NAME, ec_key.public_key(), DATA_START, DATA_END
    ).start()
    yield server
    server.stop()


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
    standin: object, fast_policy: RetryPolicy, sleeps: list[float]
) -> Callable[..., CoinbaseClient]:
    def make(
        credentials: CoinbaseCredentials | None = None, policy: RetryPolicy | None = None
    ) -> CoinbaseClient:
        return CoinbaseClient(
            credentials=credentials,
            base_url=standin.base_url,  # type: ignore[attr-defined]
            policy=policy or fast_policy,
            sleep=sleeps.append,
            pacing=False,
        )

    return make


@pytest.fixture
def make_candles() -> Callable[..., pd.DataFrame]:
    return build_candles
