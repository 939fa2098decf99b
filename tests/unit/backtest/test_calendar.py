"""Prague days from UTC bar times, around both 2024 DST changes."""

from __future__ import annotations

import pandas as pd
import pytest

from crpbot.backtest.calendar import NS_PER_DAY, local_day, offset_table

PRAGUE = "Europe/Prague"


@pytest.mark.parametrize(
    ("instant", "prague_date", "next_midnight_utc"),
    [
        ("2024-03-30T22:59", "2024-03-30", "2024-03-30T23:00"),  # CET
        ("2024-03-30T23:00", "2024-03-31", "2024-03-31T22:00"),  # 23-hour day (spring)
        ("2024-03-31T21:59", "2024-03-31", "2024-03-31T22:00"),
        ("2024-03-31T22:00", "2024-04-01", "2024-04-01T22:00"),  # CEST
        ("2024-10-26T22:00", "2024-10-27", "2024-10-27T23:00"),  # 25-hour day (autumn)
        ("2024-10-27T22:30", "2024-10-27", "2024-10-27T23:00"),
        ("2024-10-27T23:00", "2024-10-28", "2024-10-28T23:00"),  # CET again
    ],
)
def test_local_day_follows_prague_midnight_across_dst(
    instant: str, prague_date: str, next_midnight_utc: str
) -> None:
    ts = pd.Timestamp(instant, tz="UTC")
    trans, offsets = offset_table(PRAGUE, ts.value - 3 * NS_PER_DAY, ts.value + 3 * NS_PER_DAY)
    day, boundary = local_day(ts.value, trans, offsets)
    assert pd.Timestamp(day * NS_PER_DAY).date().isoformat() == prague_date
    assert pd.Timestamp(boundary, tz="UTC") == pd.Timestamp(next_midnight_utc, tz="UTC")
    assert ts.tz_convert(PRAGUE).date().isoformat() == prague_date  # pandas agrees


def test_offset_table_finds_both_2024_transitions_to_the_minute() -> None:
    first = pd.Timestamp("2024-01-01", tz="UTC").value
    last = pd.Timestamp("2024-12-31", tz="UTC").value
    trans, offsets = offset_table(PRAGUE, first, last)
    assert [pd.Timestamp(t, tz="UTC").isoformat() for t in trans] == [
        "2024-03-31T01:00:00+00:00",
        "2024-10-27T01:00:00+00:00",
    ]
    assert [int(o) // 3_600_000_000_000 for o in offsets] == [1, 2, 1]
