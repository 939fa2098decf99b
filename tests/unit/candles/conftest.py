"""Fixtures for the candle tests: a consistent series to break one rule at a time."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from tests.fixtures.candles import build_candles


@pytest.fixture
def make_candles() -> Callable[..., pd.DataFrame]:
    return build_candles
