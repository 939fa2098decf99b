"""Fills inside a bar, sizing, costs, expiry and overlapping signals, all computed by hand.

Unless a case says otherwise: balance 100 000, risk 1% (1 000), long entry at the next open
of 100 with stop 95 → size 1000 / 5 = 200.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from crpbot.backtest import BacktestConfig, BacktestResult, FtmoRules, run_backtest
from tests.unit.backtest.builders import Bar, longs_on_two_symbols, make_candles, make_signals

T0 = "2024-01-10T08:00"


def _one_trade(
    bars: list[Bar], signal: dict[str, object], config: BacktestConfig
) -> tuple[BacktestResult, pd.Series]:
    result = run_backtest(make_candles(T0, bars), make_signals([signal]), config)
    assert len(result.trades) == 1
    return result, result.trades.iloc[0]


def test_engine_enters_at_next_open_and_sizes_from_stop(config: BacktestConfig) -> None:
    bars = [(99.0, 99.5, 98.5, 99.2), (100.0, 101.0, 99.0, 100.5), (100.5, 101.0, 100.0, 100.8)]
    signal = {"ts": T0, "side": "long", "entry": 99.2, "stop": 95.0, "target": 110.0}
    _, trade = _one_trade(bars, signal, config)
    assert trade["entry_ts"].isoformat() == "2024-01-10T09:00:00+00:00"
    assert trade["entry_price"] == 100.0
    assert trade["size"] == pytest.approx(200.0)
    assert trade["exit_reason"] == "end_of_data"
    assert trade["exit_price"] == 100.8
    assert trade["pnl"] == pytest.approx(200 * 0.8)


@pytest.mark.parametrize(
    ("side", "stop", "target", "bar", "reason", "price"),
    [
        # one bar reaches both levels: the stop is assumed first
        ("long", 95.0, 110.0, (100.0, 111.0, 94.0, 105.0), "stop", 95.0),
        ("short", 105.0, 90.0, (100.0, 106.0, 89.0, 95.0), "stop", 105.0),
        # only the target
        ("long", 95.0, 110.0, (100.0, 111.0, 96.0, 105.0), "target", 110.0),
        ("short", 105.0, 90.0, (100.0, 104.0, 89.0, 95.0), "target", 90.0),
    ],
)
def test_engine_takes_stop_first_within_a_bar(
    config: BacktestConfig,
    side: str,
    stop: float,
    target: float,
    bar: tuple[float, float, float, float],
    reason: str,
    price: float,
) -> None:
    bars = [(100.0, 100.0, 100.0, 100.0), bar]
    signal = {"ts": T0, "side": side, "stop": stop, "target": target}
    _, trade = _one_trade(bars, signal, config)
    assert trade["exit_reason"] == reason
    assert trade["exit_price"] == price
    assert trade["exit_ts"] == trade["entry_ts"]  # checked on the entry bar too
    sign = 1 if side == "long" else -1
    assert trade["pnl"] == pytest.approx(sign * 200 * (price - 100.0))


@pytest.mark.parametrize(
    ("gap_bar", "reason", "price"),
    [
        ((93.0, 94.0, 92.0, 93.5), "stop", 93.0),  # opened below the stop: filled at the open
        ((112.0, 113.0, 111.0, 112.0), "target", 112.0),  # opened above the target: at the open
    ],
)
def test_engine_fills_gaps_at_the_open(
    config: BacktestConfig, gap_bar: tuple[float, float, float, float], reason: str, price: float
) -> None:
    bars = [(100.0, 100.0, 100.0, 100.0), (100.0, 101.0, 99.0, 100.0), gap_bar]
    _, trade = _one_trade(bars, {"ts": T0, "side": "long", "stop": 95.0, "target": 110.0}, config)
    assert (trade["exit_reason"], trade["exit_price"]) == (reason, price)


def test_engine_closes_at_expiry_bar_close(config: BacktestConfig) -> None:
    bars = [(100.0, 100.5, 99.5, 100.0)] * 3 + [(100.0, 102.0, 99.0, 101.5), (101.5,) * 4]
    signal = {"ts": T0, "side": "long", "stop": 95.0, "expiry": "2024-01-10T10:30"}
    _, trade = _one_trade(bars, signal, config)
    # first bar opening at or after 10:30 is the 11:00 bar; out at its close
    assert trade["exit_ts"].isoformat() == "2024-01-10T11:00:00+00:00"
    assert (trade["exit_reason"], trade["exit_price"]) == ("expiry", 101.5)


def test_engine_charges_fees_and_slippage_against_the_trade(rules: FtmoRules) -> None:
    config = BacktestConfig(risk_per_trade=0.01, fee=0.0005, slippage=0.001, rules=rules)
    bars = [(100.0, 100.0, 100.0, 100.0), (100.0, 100.5, 94.0, 95.0)]
    _, trade = _one_trade(bars, {"ts": T0, "side": "long", "stop": 95.0}, config)
    entry = 100.0 * 1.001  # bought above the open
    size = 1000.0 / (entry - 95.0)
    exit_ = 95.0 * 0.999  # sold below the stop
    fees = size * entry * 0.0005 + size * exit_ * 0.0005
    assert trade["entry_price"] == pytest.approx(entry)
    assert trade["size"] == pytest.approx(size)
    assert trade["exit_price"] == pytest.approx(exit_)
    assert trade["fees"] == pytest.approx(fees)
    assert trade["pnl"] == pytest.approx(size * (exit_ - entry) - fees)


def test_engine_skips_overlapping_signals_and_counts_them(config: BacktestConfig) -> None:
    bars = [(100.0, 101.0, 99.0, 100.0)] * 3 + [(100.0, 111.0, 99.0, 110.0)] + [(110.0,) * 4] * 2
    signals = make_signals(
        [
            {"ts": "2024-01-10T08:00", "side": "long", "stop": 95.0, "target": 110.0},
            {"ts": "2024-01-10T08:00", "side": "short", "stop": 105.0},  # same bar: overlap
            {"ts": "2024-01-10T09:00", "side": "long", "stop": 95.0},  # position open: overlap
            {"ts": "2024-01-10T11:00", "side": "long", "stop": 105.0},  # after the exit: taken
        ]
    )
    result = run_backtest(make_candles(T0, bars), signals, config)
    assert list(result.signals["status"]) == [
        "filled",
        "skipped_overlap",
        "skipped_overlap",
        "filled",
    ]
    assert result.signal_counts["skipped_overlap"] == 2
    assert list(result.trades["exit_reason"]) == ["target", "end_of_data"]


@pytest.mark.parametrize(
    ("signal", "status"),
    [
        ({"ts": "2024-01-10T08:00", "side": "long", "stop": 101.0}, "skipped_price_past_levels"),
        ({"ts": "2024-01-10T09:00", "side": "long", "stop": 95.0}, "skipped_no_next_bar"),
        ({"ts": "2024-01-10T07:00", "side": "long", "stop": 95.0}, "skipped_before_data"),
        (
            {"ts": "2024-01-10T08:00", "side": "long", "stop": 95.0, "expiry": "2024-01-10T08:00"},
            "skipped_expired",
        ),
    ],
)
def test_engine_reports_why_a_signal_did_not_trade(
    config: BacktestConfig, signal: dict[str, object], status: str
) -> None:
    bars = [(100.0, 101.0, 99.0, 100.0), (100.0, 101.0, 99.0, 100.0)]
    result = run_backtest(make_candles(T0, bars), make_signals([signal]), config)
    assert result.trades.empty
    assert result.signals["status"].iloc[0] == status
    assert math.isnan(result.metrics.win_rate)


def test_engine_keeps_one_position_per_symbol_on_a_shared_account(
    config: BacktestConfig,
) -> None:
    btc = make_candles(T0, [(100.0, 100.0, 100.0, 100.0), (100.0, 111.0, 99.0, 110.0)])
    eth = make_candles(T0, [(50.0, 50.0, 50.0, 50.0), (50.0, 51.0, 44.0, 45.0)])
    signals = longs_on_two_symbols(T0, btc=(95.0, 110.0), eth=(45.0, 60.0))
    result = run_backtest({"BTC-USD": btc, "ETH-USD": eth}, signals, config)
    trades = result.trades.set_index("symbol")
    # both fill on the same bar, each sized from the same 100 000 balance
    assert trades.loc["BTC-USD", "size"] == pytest.approx(200.0)
    assert trades.loc["ETH-USD", "size"] == pytest.approx(200.0)
    assert trades.loc["ETH-USD", "exit_reason"] == "stop"
    assert result.metrics.final_equity == pytest.approx(100_000 + 2_000 - 1_000)
