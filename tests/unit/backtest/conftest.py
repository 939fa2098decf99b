"""Shared fixtures: the account most hand-computed cases start from."""

from __future__ import annotations

import pytest

from crpbot.backtest import BacktestConfig, FtmoRules


@pytest.fixture
def rules() -> FtmoRules:
    """A 100k challenge account with the standard FTMO limits."""
    return FtmoRules(initial_balance=100_000.0)


@pytest.fixture
def config(rules: FtmoRules) -> BacktestConfig:
    """1% risk per trade, no costs: sizes are 1000 / stop distance."""
    return BacktestConfig(risk_per_trade=0.01, rules=rules)
