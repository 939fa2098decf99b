"""Candle validation: each rule rejects the rows that break it, by number and timestamp."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crpbot.candles.validate import CandleValidationError, validate_candles


def test_validate_candles_accepts_clean_frame_and_reports_span(make_candles):
    frame = make_candles(48)
    report = validate_candles(frame, "ONE_HOUR")
    assert report.rows == 48
    assert report.first == frame.index[0] and report.last == frame.index[-1]
    assert report.gaps == () and report.missing_bars == 0


def test_validate_candles_reports_gaps_in_bars(make_candles):
    frame = make_candles(24).drop(index=make_candles(24).index[[5, 6, 7, 15]])
    report = validate_candles(frame, "ONE_HOUR")
    assert [(g.first_missing.hour, g.last_missing.hour, g.bars) for g in report.gaps] == [
        (5, 7, 3),
        (15, 15, 1),
    ]
    assert report.missing_bars == 4


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        ("open", np.nan, "open is NaN"),
        ("close", np.inf, "close is NaN or infinite"),
        ("volume", -1.0, "volume is negative"),
        ("high", 50.0, "OHLC inconsistent"),
        ("low", 500.0, "OHLC inconsistent"),
        ("open", 1000.0, "OHLC inconsistent"),
        ("close", 1.0, "OHLC inconsistent"),
    ],
)
def test_validate_candles_names_the_bad_row_and_rule(make_candles, column, value, rule):
    frame = make_candles(10)
    frame.iloc[3, frame.columns.get_loc(column)] = value
    with pytest.raises(CandleValidationError) as caught:
        validate_candles(frame, "ONE_HOUR")
    [problem] = caught.value.problems
    assert problem.row == 4
    assert problem.ts == frame.index[3].isoformat()
    assert rule in problem.rule
    assert "row 4 (2024-01-01T03:00:00+00:00)" in str(caught.value)


def test_validate_candles_flags_duplicates_and_disorder(make_candles):
    frame = make_candles(6)
    index = list(frame.index)
    index[2] = index[1]
    index[4], index[5] = index[5], index[4]
    frame.index = pd.DatetimeIndex(index, name="ts")
    with pytest.raises(CandleValidationError) as caught:
        validate_candles(frame)
    rules = {(p.row, p.rule.split(" (")[0]) for p in caught.value.problems}
    assert rules == {(3, "duplicate timestamp"), (6, "out of order")}


def test_validate_candles_lists_every_bad_row_but_keeps_message_short(make_candles):
    frame = make_candles(40)
    frame["volume"] = -1.0
    with pytest.raises(CandleValidationError) as caught:
        validate_candles(frame)
    assert len(caught.value.problems) == 40
    assert "and 30 more" in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.tz_localize(None), "no timezone"),
        (lambda f: f.tz_convert("Europe/Prague"), "not UTC"),
        (lambda f: f.drop(columns=["volume"]), "missing column(s) volume"),
        (lambda f: f.reset_index(drop=True), "not timestamps"),
        (lambda f: f.assign(open="x"), "non-numeric column(s) open"),
    ],
)
def test_validate_candles_rejects_structure(make_candles, change, message):
    with pytest.raises(
        CandleValidationError, match=message.replace("(", r"\(").replace(")", r"\)")
    ):
        validate_candles(change(make_candles(5)))


def test_validate_candles_rejects_bars_off_the_granularity_grid(make_candles):
    frame = make_candles(4)
    frame.index = frame.index + pd.Timedelta(minutes=30)
    with pytest.raises(CandleValidationError, match="not the open time of a ONE_HOUR bar"):
        validate_candles(frame, "ONE_HOUR")
    assert validate_candles(frame, "THIRTY_MINUTE").rows == 4


def test_validate_candles_does_not_modify_input(make_candles):
    frame = make_candles(5)
    frame.iloc[1, 0] = np.nan
    before = frame.copy()
    with pytest.raises(CandleValidationError):
        validate_candles(frame)
    pd.testing.assert_frame_equal(frame, before)


def test_validate_candles_accepts_empty_frame(make_candles):
    report = validate_candles(make_candles(0), "ONE_HOUR")
    assert report.rows == 0 and report.first is None
