"""The cycle's batch of newest bars gives, bar for bar, the signal of the backtest's rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crpbot.confidence.tiers import TierThresholds
from crpbot.scan.signal import ScoredBar, SignalIdentity, candidate_signals, scored_bar_records
from crpbot.signals.from_models import SignalRules, signals_from_predictions

T0 = datetime(2026, 3, 2, 14, tzinfo=UTC)
RULES = SignalRules(min_confidence=0.55, stop_atr=1.5, target_atr=2.0, expiry_bars=4)
TIERS = TierThresholds(high=0.65, medium=0.58)

_values = st.one_of(
    st.floats(-10.0, 1e5, allow_nan=False),
    st.sampled_from([0.0, float("nan"), float("inf")]),
)
_bars = st.lists(
    st.tuples(_values, _values, st.one_of(st.floats(0.0, 1.0), st.sampled_from([0.5, 0.55]))),
    min_size=1,
    max_size=12,
)


def _scored(rows: list[tuple[float, float, float]]) -> list[tuple[SignalIdentity, ScoredBar]]:
    return [
        (
            SignalIdentity("bot", f"S{i}-USD", "v1"),
            ScoredBar(T0 - i * timedelta(hours=1), close, atr, 0.6, 0.3, 0.6, p_cal),
        )
        for i, (close, atr, p_cal) in enumerate(rows)
    ]


@settings(max_examples=200, deadline=None)
@given(rows=_bars)
def test_candidate_signals_equal_each_bars_backtest_signal_table(
    rows: list[tuple[float, float, float]],
) -> None:
    scored = _scored(rows)
    got = candidate_signals(scored, RULES, TIERS, T0)
    for (identity, bar), record in zip(scored, got, strict=True):
        table = signals_from_predictions(
            pd.DatetimeIndex([bar.bar_ts]),
            np.array([bar.close]),
            np.array([bar.atr]),
            np.array([bar.p_cal]),
            identity.symbol,
            RULES,
            TIERS,
        )
        assert (record is None) == table.empty
        if record is None:
            continue
        row = table.iloc[0]
        assert (record.symbol, record.bar_ts, record.status) == (
            identity.symbol,
            bar.bar_ts,
            "pending_risk",
        )
        assert (record.side, record.tier) == (row["side"], row["tier"])
        np.testing.assert_array_equal(  # NaN equals NaN (an infinite ATR's target)
            [record.entry, record.stop, record.target, record.confidence],
            [row["entry"], row["stop"], row["target"], row["confidence"]],
        )
        assert record.expiry == row["expiry"].to_pydatetime()


def test_scored_bar_records_carry_the_nominal_expiry() -> None:
    scored = _scored([(100.0, 1.0, 0.7), (50.0, 2.0, 0.3)])
    records = scored_bar_records(scored, RULES, T0)
    assert [r.expiry for r in records] == [T0 + 4 * timedelta(hours=1), T0 + timedelta(hours=3)]
    assert [(r.symbol, r.p_cal, r.created_at) for r in records] == [
        ("S0-USD", 0.7, T0),
        ("S1-USD", 0.3, T0),
    ]


def test_scored_bar_many_reads_each_row_for_its_bar() -> None:
    scores = pd.DataFrame(
        {
            "close": [1.0, 2.0],
            "atr": [0.1, 0.2],
            "p_up": [0.6, 0.4],
            "strength": [0.5, 0.7],
            "score": [0.55, 0.45],
            "p_cal": [0.57, 0.43],
        }
    )
    stamps = [pd.Timestamp(T0), pd.Timestamp(T0 + timedelta(hours=1))]
    first, second = ScoredBar.many(stamps, scores)
    assert first == ScoredBar(T0, 1.0, 0.1, 0.6, 0.5, 0.55, 0.57)
    assert second.bar_ts == T0 + timedelta(hours=1) and second.p_cal == 0.43
    with pytest.raises(ValueError, match="rows"):
        ScoredBar.many(stamps[:1], scores)
