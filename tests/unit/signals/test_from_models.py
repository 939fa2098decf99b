from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crpbot.backtest import BacktestConfig, run_backtest
from crpbot.backtest.signals import SIGNAL_COLUMNS, normalize_signals
from crpbot.confidence.ensemble import side_confidence
from crpbot.confidence.tiers import TierThresholds, tiers_for
from crpbot.models.dataset import targets
from crpbot.signals.from_models import SignalRules, horizon_expiry, signals_from_predictions

TS = pd.date_range("2024-01-01", periods=4, freq="h", tz="UTC")
# An FX week's end: Friday 18:00-21:00 UTC, then the market reopens Sunday 22:00 UTC.
FX_BARS = pd.DatetimeIndex(
    [
        *pd.date_range("2024-03-01 18:00", periods=4, freq="h", tz="UTC"),
        *pd.date_range("2024-03-03 22:00", periods=6, freq="h", tz="UTC"),
    ]
)


def test_signals_from_predictions_gate_side_and_atr_levels() -> None:
    table = signals_from_predictions(
        TS,
        close=np.array([100.0, 100.0, 50.0, 80.0]),
        atr=np.array([2.0, 2.0, 1.0, 1.0]),
        p_up=np.array([0.7, 0.52, 0.2, 0.6]),
        symbol="BTC-USD",
        rules=SignalRules(min_confidence=0.55, stop_atr=1.5, target_atr=2.0, expiry_bars=4),
    )
    assert list(table.columns[: len(SIGNAL_COLUMNS)]) == list(SIGNAL_COLUMNS)
    assert table["side"].tolist() == ["long", "short", "long"]
    long, short = table.iloc[0], table.iloc[1]
    assert (long.stop, long.target) == (97.0, 104.0)
    assert (short.stop, short.target) == (51.5, 48.0)
    assert long.expiry == TS[0] + pd.Timedelta(hours=4)
    assert table["tier"].tolist() == ["high", "high", "medium"]


def test_signals_from_predictions_replay_in_the_backtest_table() -> None:
    table = signals_from_predictions(
        TS, np.full(4, 10.0), np.full(4, 0.5), np.array([0.9, 0.1, 0.8, 0.3]), "ETH-USD"
    )
    assert len(normalize_signals(table)) == 4


@pytest.mark.parametrize("field", ["stop_atr", "target_atr", "expiry_bars"])
def test_signal_rules_reject_non_positive(field: str) -> None:
    with pytest.raises(ValueError):
        SignalRules(**{field: 0})


@pytest.mark.parametrize(
    ("signal_bar", "expiry"),
    [
        (0, "2024-03-03 22:00"),  # 19:00, 20:00, 21:00 Friday, then Sunday 22:00
        (2, "2024-03-04 00:00"),
        (4, "2024-03-04 02:00"),
        (8, "2024-03-04 06:00"),  # beyond the series: nominal, 4 bar lengths later
    ],
)
def test_signals_from_predictions_expire_after_the_horizon_in_bars(
    signal_bar: int, expiry: str
) -> None:
    """Hand-counted on FX_BARS: the expiry is the open time of the 4th bar after the signal
    bar in the series, not 5 bar lengths of clock time (which reached Saturday)."""
    table = signals_from_predictions(
        FX_BARS[[signal_bar]],
        np.array([100.0]),
        np.array([1.0]),
        np.array([0.9]),
        "EURUSD",
        SignalRules(expiry_bars=4),
        bars=FX_BARS,
    )
    assert table["expiry"].iloc[0] == pd.Timestamp(expiry, tz="UTC")


def test_signals_from_predictions_without_the_series_expire_n_bar_lengths_later() -> None:
    table = signals_from_predictions(
        TS[:1],
        np.array([100.0]),
        np.array([1.0]),
        np.array([0.9]),
        "BTC-USD",
        SignalRules(expiry_bars=3),
    )
    assert table["expiry"].iloc[0] == TS[0] + pd.Timedelta(hours=3)


def test_signals_from_predictions_reject_times_outside_the_series() -> None:
    with pytest.raises(ValueError, match="bar of the candle series"):
        signals_from_predictions(
            TS[:1],
            np.array([100.0]),
            np.array([1.0]),
            np.array([0.9]),
            "BTC-USD",
            bars=FX_BARS,
        )


def test_model_signal_is_held_exactly_the_label_horizon_in_the_backtest() -> None:
    """The label at bar 1 reads close[1 + 4] = close[5] (Sunday 23:00 bar). The trade enters
    at bar 2's open and must leave at that same close, 105.0, not at bar 6's 106.0."""
    close = np.array([100.0, 101.0, 102.0, 103.0, 104.0, 105.0, 106.0, 107.0, 108.0, 109.0])
    candles = pd.DataFrame(
        {"open": close - 1.0, "high": close + 0.5, "low": close - 1.5, "close": close},
        index=FX_BARS,
    )
    direction, _ = targets(close, np.full(close.size, 0.01), horizon=4)
    assert direction[1] == 1.0  # the label: close[5] > close[1]
    table = signals_from_predictions(
        FX_BARS[[1]],
        close[[1]],
        np.array([10.0]),
        np.array([0.9]),
        "EURUSD",
        SignalRules(stop_atr=5.0, target_atr=5.0, expiry_bars=4),
        bars=FX_BARS,
    )
    trade = run_backtest(candles, table, BacktestConfig()).trades.iloc[0]
    assert trade["entry_ts"] == FX_BARS[2]
    assert (trade["exit_reason"], trade["exit_ts"], trade["exit_price"]) == (
        "expiry",
        FX_BARS[5],
        close[5],
    )


def _table_before_signal_levels(
    ts: pd.DatetimeIndex, close: np.ndarray, atr: np.ndarray, p_up: np.ndarray, r: SignalRules
) -> pd.DataFrame:
    """`signals_from_predictions` as it was written before the rule moved to `signal_levels`
    (kept as the reference: filter, then levels on the kept rows, then the stop filter)."""
    side, confidence = side_confidence(p_up)
    keep = (confidence >= r.min_confidence) & (atr > 0) & (close > 0)
    sign = np.where(side == "long", 1.0, -1.0)[keep]
    entry, distance = close[keep], atr[keep]
    stamps = ts[keep]
    table = pd.DataFrame(
        {
            "ts": stamps,
            "symbol": "X",
            "side": side[keep],
            "entry": entry,
            "stop": entry - sign * r.stop_atr * distance,
            "target": entry + sign * r.target_atr * distance,
            "expiry": horizon_expiry(stamps, r, None),
            "confidence": confidence[keep],
            "tier": tiers_for(confidence[keep], TierThresholds()),
        }
    )
    kept = table.loc[table["stop"] > 0, [*SIGNAL_COLUMNS, "confidence", "tier"]]
    return kept.reset_index(drop=True)


_finite = st.floats(-5.0, 500.0, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.one_of(_finite, st.just(float("nan"))),
            st.one_of(_finite, st.just(float("nan"))),
            st.one_of(st.floats(0.0, 1.0), st.sampled_from([0.5, 0.55, float("nan")])),
        ),
        max_size=30,
    )
)
def test_signals_from_predictions_same_table_as_before_the_rule_moved(
    rows: list[tuple[float, float, float]],
) -> None:
    close, atr, p_up = (np.array([r[i] for r in rows], dtype=np.float64) for i in range(3))
    stamps = pd.date_range("2024-01-01", periods=len(rows), freq="h", tz="UTC")
    rules = SignalRules(stop_atr=40.0)  # stops below zero occur: the stop filter is exercised
    got = signals_from_predictions(stamps, close, atr, p_up, "X", rules)
    pd.testing.assert_frame_equal(
        got, _table_before_signal_levels(stamps, close, atr, p_up, rules), check_dtype=False
    )
