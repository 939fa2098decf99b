"""A replay's trades in R after costs per tier, beside the break-even win rate."""

from __future__ import annotations

import pandas as pd
import pytest

from crpbot.backtest import BacktestConfig, run_backtest
from crpbot.backtest.expectancy import ALL_TIERS, expectancy_by_tier, trades_in_r
from crpbot.backtest.report import markdown, summary
from tests.unit.backtest.builders import make_candles, make_signals

T0 = "2024-01-01 00:00"


def _trades(**changes: list[object]) -> pd.DataFrame:
    """Long at 100, stop 99, target 102 (reward 2 R), size 100: 1 R = 100."""
    base: dict[str, list[object]] = {
        "entry_price": [100.0, 100.0, 100.0],
        "exit_price": [102.0, 99.0, 100.5],
        "stop": [99.0] * 3,
        "target": [102.0] * 3,
        "size": [100.0] * 3,
        "fees": [10.0] * 3,
        "pnl": [190.0, -110.0, 40.0],
        "exit_reason": ["target", "stop", "expiry"],
        "tier": ["high", "medium", "high"],
    }
    return pd.DataFrame({**base, **changes})


def test_trades_in_r_maps_exits_and_charges_costs() -> None:
    pairs = trades_in_r(_trades(), slippage=0.0)
    assert [(tier, t.result) for tier, t in pairs] == [
        ("high", "won"),
        ("medium", "lost"),
        ("high", "expired"),
    ]
    assert [t.r for _, t in pairs] == pytest.approx([1.9, -1.1, 0.4])
    assert [t.cost_r for _, t in pairs] == pytest.approx([0.1, 0.1, 0.1])
    assert pairs[0][1].reward_r == pytest.approx(2.0)


def test_trades_in_r_counts_slippage_on_both_fills() -> None:
    (_, won), *_ = trades_in_r(_trades(fees=[0.0] * 3), slippage=0.0001)
    assert won.cost_r == pytest.approx(0.0001 * (100 + 102) * 100 / 100)


def test_expectancy_by_tier_orders_tiers_then_all() -> None:
    tiers = expectancy_by_tier(_trades(), slippage=0.0)
    assert list(tiers) == ["high", "medium", ALL_TIERS]
    high = tiers["high"]
    assert (high.n, high.wins, high.losses, high.expired) == (2, 1, 0, 1)
    assert high.win_rate == 1.0 and high.mean_r == pytest.approx(1.15)
    assert high.break_even == pytest.approx(1.1 / 3)
    assert tiers[ALL_TIERS].mean_r == pytest.approx(1.2 / 3)


def test_backtest_report_shows_expectancy_per_tier_from_the_signal_table() -> None:
    bars = [(100.0, 100.5, 99.5, 100.0), (100.0, 102.5, 99.8, 102.0), (102.0, 102.0, 101.0, 101.5)]
    signals = make_signals([{"ts": T0, "side": "long", "stop": 99.0, "target": 102.0}])
    signals["tier"] = ["High"]
    result = run_backtest(make_candles(T0, bars), signals, BacktestConfig(fee=0.0001))
    assert result.trades["tier"].tolist() == ["high"]
    figures = summary(result)
    high = figures["expectancy_by_tier"]["high"]
    assert (high["n"], high["wins"], high["win_rate"]) == (1, 1, 1.0)
    text = markdown("t", figures, result)
    assert "## Expectancy per tier (R after costs)" in text
    assert "| high | 1 | 1 | 0 | 0 | 100.0% |" in text


def test_backtest_without_tiers_reports_all_trades() -> None:
    bars = [(100.0, 100.5, 99.5, 100.0), (100.0, 100.2, 98.0, 99.0)]
    signals = make_signals([{"ts": T0, "side": "long", "stop": 99.0, "target": 102.0}])
    result = run_backtest(make_candles(T0, bars), signals)
    assert list(summary(result)["expectancy_by_tier"]) == [ALL_TIERS]
