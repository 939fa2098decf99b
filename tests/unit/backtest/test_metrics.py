"""Metrics on a hand-made equity curve and trade list."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from crpbot.backtest.metrics import compute_metrics


def test_metrics_hand_computed() -> None:
    trades = pd.DataFrame(
        {
            "pnl": [300.0, -100.0, -100.0, 200.0],
            "fees": [1.0, 1.0, 1.0, 1.0],
            "entry_price": [100.0] * 4,
            "stop": [99.0] * 4,
            "size": [100.0] * 4,  # 1R = 100
            "exit_reason": ["target", "stop", "stop", "target"],
        }
    )
    index = pd.date_range("2024-01-01", periods=5, freq="h", tz="UTC")
    equity = pd.Series([1000.0, 1100.0, 990.0, 1045.0, 1100.0], index=index)
    m = compute_metrics(trades, equity, initial_balance=1000.0)
    assert m.n_trades == 4
    assert m.win_rate == 0.5
    assert m.profit_factor == pytest.approx(500 / 200)
    assert m.expectancy == pytest.approx(75.0)
    assert m.expectancy_r == pytest.approx(0.75)
    assert m.max_drawdown == pytest.approx(0.1)  # 1100 → 990
    assert m.total_return == pytest.approx(0.1)
    assert m.total_fees == 4.0
    returns = np.array([0.1, -0.1, 1045 / 990 - 1, 1100 / 1045 - 1])
    bars_per_year = 4 / (4 * 3600) * 365.25 * 86400
    assert m.bars_per_year == pytest.approx(bars_per_year)
    expected = returns.mean() / returns.std(ddof=1) * math.sqrt(bars_per_year)
    assert m.sharpe == pytest.approx(expected)


def test_metrics_without_trades_are_undefined_not_zero() -> None:
    columns = {"pnl": [], "fees": [], "entry_price": [], "stop": [], "size": [], "exit_reason": []}
    index = pd.date_range("2024-01-01", periods=3, freq="h", tz="UTC")
    m = compute_metrics(pd.DataFrame(columns), pd.Series(1000.0, index=index), 1000.0)
    assert m.n_trades == 0
    assert math.isnan(m.win_rate) and math.isnan(m.profit_factor) and math.isnan(m.sharpe)
    assert m.max_drawdown == 0.0


def test_metrics_win_rate_counts_target_and_stop_exits_only() -> None:
    """A profitable expiry is not a win and a losing halt not a loss: the one win rate is
    target exits over target and stop exits (docs/evaluation.md)."""
    trades = pd.DataFrame(
        {
            "pnl": [300.0, -100.0, 50.0, -20.0, -40.0],
            "fees": [0.0] * 5,
            "entry_price": [100.0] * 5,
            "stop": [99.0] * 5,
            "size": [100.0] * 5,
            "exit_reason": ["target", "stop", "expiry", "expiry", "daily_loss_halt"],
        }
    )
    index = pd.date_range("2024-01-01", periods=2, freq="h", tz="UTC")
    m = compute_metrics(trades, pd.Series([1000.0, 1190.0], index=index), 1000.0)
    assert m.win_rate == 0.5
