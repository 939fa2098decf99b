"""Fixtures for the data tests: a Coinbase key pair and synthetic candles."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from tests.fixtures.candles import build_candles
from tests.fixtures.coinbase_standin import credentials, ec_key

__all__ = ["credentials", "ec_key"]


@pytest.fixture
def make_candles() -> Callable[..., pd.DataFrame]:
    return build_candles
