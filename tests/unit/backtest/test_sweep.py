"""A sweep's row for each parameter set equals a single `run_backtest` with that set."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crpbot.backtest import BacktestConfig, FtmoRules, SignalTableError, run_backtest
from crpbot.backtest.baseline_signals import sma_crossover_signals
from crpbot.backtest.sweep import run_sweep, signals_for, sweep_basis
from crpbot.backtest.sweep_grid import SweepGrid, parse_items
from crpbot.data.bundled import load_bundled
from tests.unit.backtest.builders import make_candles


def _single_run_row(result: object) -> tuple[object, ...]:
    from crpbot.backtest import BacktestResult

    assert isinstance(result, BacktestResult)
    m, ftmo = result.metrics, result.ftmo
    return (
        m.n_trades,
        m.final_equity,
        m.total_return,
        m.max_drawdown,
        _nan_safe(m.win_rate),
        _nan_safe(m.sharpe),
        ftmo.status,
        ftmo.trading_days,
        ftmo.decided_on,
    )


def _nan_safe(value: float) -> float | str:
    return "nan" if math.isnan(value) else value


def _sweep_rows(table: pd.DataFrame) -> list[tuple[object, ...]]:
    return [
        (
            row.trades,
            row.final_equity,
            row.total_return,
            row.max_drawdown,
            _nan_safe(row.win_rate),
            _nan_safe(row.sharpe),
            row.ftmo_status,
            row.trading_days,
            None if pd.isna(row.ftmo_decided_on) else pd.Timestamp(row.ftmo_decided_on),
        )
        for row in table.itertuples()
    ]


def _assert_each_set_is_a_single_run(
    candles: pd.DataFrame, basis: pd.DataFrame, grid: SweepGrid, config: BacktestConfig
) -> pd.DataFrame:
    table = run_sweep(candles, basis, grid, config).table
    singles = [
        _single_run_row(run_backtest(candles, signals_for(basis, s), config)) for s in grid.sets()
    ]
    assert _sweep_rows(table) == singles
    return table


@pytest.fixture
def hand_bars() -> pd.DataFrame:
    """Ten hourly bars that rise, dip through 99 and rally to 106."""
    bars = [
        (100, 101, 99.5, 100.5),
        (100.5, 102, 100, 101.5),
        (101.5, 102, 98.8, 99),
        (99, 100, 98, 99.5),
        (99.5, 103, 99, 102.8),
        (102.8, 104, 102, 103.5),
        (103.5, 106.2, 103, 106),
        (106, 106.5, 104, 104.5),
        (104.5, 105, 101, 101.5),
        (101.5, 102, 100.5, 101),
    ]
    return make_candles("2024-03-04 08:00", [tuple(map(float, b)) for b in bars])


@pytest.fixture
def hand_signals(hand_bars: pd.DataFrame) -> pd.DataFrame:
    ts = hand_bars.index
    return pd.DataFrame(
        {
            "ts": [ts[0], ts[3], ts[5], ts[7]],
            "symbol": "TEST-USD",
            "side": ["long", "long", "long", "short"],
            "entry": [100.5, 99.5, 103.5, 104.5],
            "stop": [99.0, 98.0, 102.0, 106.0],
            "target": np.nan,
            "confidence": [0.9, 0.55, 0.7, 0.6],
            "atr": [1.0, 1.0, 1.2, 1.5],
        }
    )


def test_sweep_equals_single_runs_on_hand_built_bars(
    hand_bars: pd.DataFrame, hand_signals: pd.DataFrame, config: BacktestConfig
) -> None:
    basis = sweep_basis(hand_signals, hand_bars)
    grid = parse_items(["stop=0.5,1,2", "target=1,2.5", "threshold=0,0.6,0.95"])
    table = _assert_each_set_is_a_single_run(hand_bars, basis, grid, config)
    assert len(table) == 18
    assert table["trades"].nunique() > 1  # the grid changes what happens
    assert table.loc[table["threshold"] == 0.95, "trades"].eq(0).all()


def test_sweep_equals_single_runs_on_bundled_bars_with_costs() -> None:
    candles = load_bundled("EURUSD").iloc[:1500]
    signals = sma_crossover_signals(candles, "EURUSD")
    signals["confidence"] = np.random.default_rng(7).uniform(0.4, 0.9, len(signals))
    basis = sweep_basis(signals, candles)
    grid = parse_items(["stop=1,2", "target=1.5,3", "threshold=0,0.6"])
    config = BacktestConfig(
        risk_per_trade=0.02, fee=1e-4, slippage=5e-5, rules=FtmoRules(min_trading_days=2)
    )
    table = _assert_each_set_is_a_single_run(candles, basis, grid, config)
    assert table["trades"].gt(0).all()


@settings(max_examples=20, deadline=None)
@given(
    start=st.integers(0, 4000),
    seed=st.integers(0, 2**32 - 1),
    stops=st.lists(st.sampled_from([0.5, 1.0, 2.0, 4.0]), min_size=1, max_size=2, unique=True),
    targets=st.lists(st.sampled_from([0.7, 1.5, 3.0, 6.0]), min_size=1, max_size=2, unique=True),
    thresholds=st.lists(st.floats(0, 1), min_size=1, max_size=2, unique=True),
    risk=st.sampled_from([0.005, 0.05, 0.3]),
    limits=st.sampled_from([(0.01, 0.03), (0.05, 0.1), (1.0, 1.0)]),
)
def test_sweep_equals_single_runs_for_random_grids(
    start: int,
    seed: int,
    stops: list[float],
    targets: list[float],
    thresholds: list[float],
    risk: float,
    limits: tuple[float, float],
) -> None:
    """The sweep folds each set's curve as it goes (no curve kept) while a single run keeps
    it; both skip flat stretches and open days inside the quiet loop. Random windows of real
    bars (weekend gaps, DST), random grids, risks and loss limits (halts) must agree."""
    candles = load_bundled("EURUSD").iloc[start : start + 800]
    signals = sma_crossover_signals(candles, "EURUSD")
    signals["confidence"] = np.random.default_rng(seed).uniform(0.0, 1.0, len(signals))
    basis = sweep_basis(signals, candles)
    grid = SweepGrid(tuple(stops), tuple(targets), tuple(thresholds))
    daily, total = limits
    rules = FtmoRules(max_daily_loss=daily, max_total_loss=total, min_trading_days=2)
    config = BacktestConfig(risk_per_trade=risk, fee=1e-4, slippage=5e-5, rules=rules)
    _assert_each_set_is_a_single_run(candles, basis, grid, config)


def test_sweep_without_atr_column_uses_the_candles_atr(
    hand_bars: pd.DataFrame, hand_signals: pd.DataFrame
) -> None:
    with pytest.raises(SignalTableError, match="no positive ATR"):
        sweep_basis(hand_signals.drop(columns="atr"), hand_bars)  # ATR(14) needs 15 bars


def test_sweep_refuses_stops_below_zero(
    hand_bars: pd.DataFrame, hand_signals: pd.DataFrame
) -> None:
    basis = sweep_basis(hand_signals, hand_bars)
    with pytest.raises(SignalTableError, match="stop=200 ATR"):
        run_sweep(hand_bars, basis, parse_items(["stop=200"]))


def test_sweep_progress_reports_every_set(
    hand_bars: pd.DataFrame, hand_signals: pd.DataFrame
) -> None:
    seen: list[int] = []
    grid = parse_items(["stop=0.5,1,1.5,2,2.5", "target=1,2,3,4,5"])
    result = run_sweep(hand_bars, sweep_basis(hand_signals, hand_bars), grid, progress=seen.append)
    assert seen[-1] == 25 == len(result.table)
    assert seen == sorted(seen)
