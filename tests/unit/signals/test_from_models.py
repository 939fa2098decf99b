from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crpbot.backtest.signals import SIGNAL_COLUMNS, normalize_signals
from crpbot.signals.from_models import SignalRules, signals_from_predictions

TS = pd.date_range("2024-01-01", periods=4, freq="h", tz="UTC")


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
    assert long.expiry == TS[0] + pd.Timedelta(hours=5)
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
