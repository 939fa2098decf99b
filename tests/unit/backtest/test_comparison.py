"""The baseline replays beside a model's run, on hand-built bars whose P/L is computed by hand.

Three signals on one day, 1% risk, no costs (the `config` fixture):

- A at bar 0, short, entry 100, stop 102, target 96: the short is stopped at 102 on bar 2; the
  long mirror (stop 98, target 104) reaches its target there.
- B at bar 3, long, entry 104, stop 103, target 106: target on bar 4; the short mirror (stop
  105, target 102) is stopped on bar 4.
- C at bar 6, short, entry 106, stop 108, target 100, expiry bar 8: neither level is reached,
  so the model and the mirror both close at bar 8's close, 106.5.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crpbot.backtest import BacktestConfig, SignalTableError, run_backtest
from crpbot.backtest.comparison import (
    ComparisonSettings,
    always,
    compare_with_baselines,
    shuffled_sides,
    with_sides,
)
from tests.unit.backtest.builders import make_candles, make_signals

START = "2024-01-01 00:00"
BARS = [
    (100.0, 100.0, 100.0, 100.0),
    (100.0, 101.0, 99.5, 100.5),
    (100.5, 104.5, 100.0, 104.0),
    (104.0, 104.2, 103.8, 104.0),
    (104.0, 106.5, 103.5, 106.0),
    (106.0, 106.2, 105.8, 106.0),
    (106.0, 106.2, 105.8, 106.0),
    (106.0, 106.4, 105.6, 106.2),
    (106.2, 106.6, 106.0, 106.5),
    (106.5, 106.6, 106.4, 106.5),
]
SIGNALS = [
    {"ts": "2024-01-01 00:00", "side": "short", "entry": 100.0, "stop": 102.0, "target": 96.0},
    {"ts": "2024-01-01 03:00", "side": "long", "entry": 104.0, "stop": 103.0, "target": 106.0},
    {
        "ts": "2024-01-01 06:00",
        "side": "short",
        "entry": 106.0,
        "stop": 108.0,
        "target": 100.0,
        "expiry": "2024-01-01 08:00",
    },
]


@pytest.fixture
def candles() -> pd.DataFrame:
    return make_candles(START, BARS)


@pytest.fixture
def signals() -> pd.DataFrame:
    return make_signals(SIGNALS)


def test_always_long_mirrors_only_the_short_signals(signals: pd.DataFrame) -> None:
    table = always(signals, "long")
    assert table["side"].tolist() == ["long", "long", "long"]
    assert table["stop"].tolist() == [98.0, 103.0, 104.0]
    assert table["target"].tolist() == [104.0, 106.0, 112.0]
    assert table["expiry"].equals(make_signals(SIGNALS)["expiry"].dt.tz_convert("UTC"))


def test_always_long_pnl_by_hand_with_the_models_exits(
    candles: pd.DataFrame, signals: pd.DataFrame, config: BacktestConfig
) -> None:
    model = run_backtest(candles, signals, config)
    long = run_backtest(candles, always(signals, "long"), config)
    # model: −500·2, +990·2, −504.9·0.5; always long: +500·4, +1020·2, +520.2·0.5
    assert model.trades["pnl"].tolist() == pytest.approx([-1000.0, 1980.0, -252.45])
    assert long.trades["pnl"].tolist() == pytest.approx([2000.0, 2040.0, 260.1])
    assert long.metrics.total_return == pytest.approx(0.043001)
    assert long.trades["exit_reason"].tolist() == ["target", "target", "expiry"]
    assert long.trades["exit_ts"].iloc[2] == model.trades["exit_ts"].iloc[2]
    distance = (long.trades["entry_price"] - long.trades["stop"]).abs()
    np.testing.assert_allclose(distance, (model.trades["entry_price"] - model.trades["stop"]).abs())


def test_comparison_reports_every_run_and_the_models_excess(
    candles: pd.DataFrame, signals: pd.DataFrame, config: BacktestConfig
) -> None:
    model = run_backtest(candles, signals, config)
    comparison = compare_with_baselines(
        candles, signals, model, ComparisonSettings(seeds=30, n_boot=50)
    )
    assert comparison.model.total_return == pytest.approx(0.0072755)
    assert comparison.always_long.run.total_return == pytest.approx(0.043001)
    # always short: −500·2, −990·1 (the mirror of B stopped at 105), −490.05·0.5
    assert comparison.always_short.run.total_return == pytest.approx(-0.02235025)
    excess = comparison.always_long.excess
    assert excess.value == pytest.approx(0.0072755 - 0.043001)
    # one trading day: every resample is that day, so the interval is the point
    assert excess.low == pytest.approx(excess.value) and excess.high == pytest.approx(excess.value)
    assert "days" in excess.method
    rnd = comparison.random_side
    assert rnd.returns.shape == (30,)
    assert rnd.long_share == pytest.approx(1 / 3) == comparison.long_share
    assert rnd.excess.low <= rnd.excess.value <= rnd.excess.high
    assert rnd.beat_share == pytest.approx(float(np.mean(rnd.returns > 0.0072755)))


@pytest.mark.parametrize("seed", range(5))
def test_random_sides_keep_the_models_long_share(seed: int) -> None:
    rng = np.random.default_rng(seed)
    sides = rng.choice(["long", "short"], size=40, p=[0.8, 0.2])
    rows = [
        {"ts": f"2024-01-01 {h % 24:02d}:00", "side": s, "entry": 100.0}
        | ({"stop": 99.0, "target": 102.0} if s == "long" else {"stop": 101.0, "target": 98.0})
        for h, s in enumerate(sides)
    ]
    table = make_signals(rows)
    shuffled = shuffled_sides(table, rng)
    assert (shuffled["side"] == "long").sum() == (sides == "long").sum()
    sign = np.where(shuffled["side"] == "long", 1.0, -1.0)
    assert (sign * (shuffled["target"] - shuffled["entry"]) == 2.0).all()
    assert (sign * (shuffled["entry"] - shuffled["stop"]) == 1.0).all()


def test_flipping_a_side_needs_the_entry_price() -> None:
    table = make_signals([{"ts": START, "side": "short", "stop": 102.0}])
    with pytest.raises(SignalTableError, match="entry price"):
        with_sides(table, np.array([True]))


@pytest.mark.parametrize(
    "bad", [{"seeds": 0}, {"block_days": 0}, {"n_boot": 0}, {"level": 1.5}], ids=str
)
def test_comparison_settings_refuse_what_cannot_be_replayed(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        ComparisonSettings(**bad)  # type: ignore[arg-type]


def test_comparison_settings_take_the_seed_count_first() -> None:
    assert ComparisonSettings(30) == ComparisonSettings(seeds=30)
