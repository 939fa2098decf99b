"""Direction outcomes read from candles: close `horizon` bars later strictly above the close."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pandas as pd
import pytest

from crpbot.learning.direction import resolve_direction
from tests.unit.learning.builders import HOUR, T0, make_candles, scored_bar


def _closes(*values: float) -> pd.DataFrame:
    return make_candles([(c, c + 0.5, c - 0.5, c) for c in values])


@pytest.mark.parametrize(
    ("later", "went_up"),
    [(100.1, True), (100.0, False), (99.9, False)],
    ids=["above", "tie-is-not-up", "below"],
)
def test_resolve_direction_compares_the_close_four_bars_later(later: float, went_up: bool) -> None:
    candles = _closes(100.0, 150.0, 50.0, 150.0, later, 10.0)
    outcome = resolve_direction(scored_bar(0, candles), candles, HOUR, T0 + 10 * HOUR)
    assert outcome is not None
    assert (outcome.went_up, outcome.close_at_horizon) == (went_up, later)
    assert outcome.resolved_ts == T0 + 5 * HOUR


def test_resolve_direction_waits_for_the_horizon_bar_to_close() -> None:
    candles = _closes(100.0, 101.0, 102.0, 103.0, 104.0)
    bar = scored_bar(0, candles)
    assert resolve_direction(bar, candles, HOUR, T0 + 5 * HOUR - timedelta(seconds=1)) is None
    assert resolve_direction(bar, candles.iloc[:4], HOUR, T0 + 10 * HOUR) is None
    assert resolve_direction(bar, candles, HOUR, T0 + 5 * HOUR) is not None


def test_resolve_direction_counts_bars_across_a_gap() -> None:
    """A weekend between bars does not stretch the horizon: the 4th bar in the series counts."""
    days = [T0, T0 + HOUR, T0 + 50 * HOUR, T0 + 51 * HOUR, T0 + 52 * HOUR, T0 + 53 * HOUR]
    candles = _closes(100.0, 99.0, 98.0, 97.0, 101.0, 90.0)
    candles.index = pd.DatetimeIndex(days, name="ts")
    outcome = resolve_direction(scored_bar(0, candles), candles, HOUR, T0 + 100 * HOUR)
    assert outcome is not None and outcome.went_up and outcome.close_at_horizon == 101.0
    assert outcome.resolved_ts == T0 + 53 * HOUR


def test_resolve_direction_without_the_scored_bar_uses_its_stored_close() -> None:
    candles = _closes(100.0, 101.0, 102.0, 103.0, 104.0, 105.0)
    own = T0 + HOUR / 2
    bar = replace(scored_bar(0, candles), bar_ts=own, expiry=own + 4 * HOUR, close=104.5)
    outcome = resolve_direction(bar, candles, HOUR, T0 + 10 * HOUR)
    assert outcome is not None and outcome.close_at_horizon == 105.0 and outcome.went_up
    late_start = candles.iloc[1:]
    assert resolve_direction(scored_bar(0, candles), late_start, HOUR, T0 + 10 * HOUR) is None
