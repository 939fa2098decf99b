"""CSV candle loading: both header styles, UTC normalisation, bad cells kept for validation."""

from __future__ import annotations

from importlib.resources import files

import pandas as pd
import pytest

from crpbot.candles.validate import CandleValidationError, validate_candles
from crpbot.data.csv_file import read_candles_csv


def test_read_candles_csv_own_format(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(
        "ts,open,high,low,close,volume\n"
        "2024-01-01T00:00:00Z,1,2,0.5,1.5,10\n"
        "2024-01-01T01:00:00Z,1.5,2.5,1,2,11\n"
    )
    frame = read_candles_csv(path)
    assert list(frame.columns) == ["open", "high", "low", "close", "volume"]
    assert frame.index.name == "ts" and str(frame.index.tz) == "UTC"
    assert frame["close"].tolist() == [1.5, 2.0]


def test_read_candles_csv_backtesting_style_bundled_file():
    path = files("backtesting") / "test" / "EURUSD.csv"
    frame = read_candles_csv(path)
    assert len(frame) == 5000
    assert frame.index[0] == pd.Timestamp("2017-04-19 09:00", tz="UTC")
    assert validate_candles(frame, "ONE_HOUR").rows == 5000


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("1704067200", "2024-01-01T00:00:00+00:00"),
        ("2024-01-01 02:00:00+02:00", "2024-01-01T00:00:00+00:00"),
        ("2024-01-01 00:00:00", "2024-01-01T00:00:00+00:00"),
    ],
)
def test_read_candles_csv_normalises_timestamps_to_utc(tmp_path, stamp, expected):
    path = tmp_path / "c.csv"
    path.write_text(f"ts,open,high,low,close,volume\n{stamp},1,2,0.5,1.5,10\n")
    assert read_candles_csv(path).index[0].isoformat() == expected


def test_read_candles_csv_keeps_bad_cells_for_validation_to_name(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(
        "ts,open,high,low,close,volume\n"
        "2024-01-01T00:00:00Z,1,2,0.5,1.5,10\n"
        "2024-01-01T01:00:00Z,abc,2.5,1,2,11\n"
        "not-a-date,1.5,2.5,1,2,11\n"
    )
    frame = read_candles_csv(path)
    assert len(frame) == 3
    with pytest.raises(CandleValidationError) as caught:
        validate_candles(frame)
    assert {(p.row, p.rule) for p in caught.value.problems} >= {
        (2, "open is NaN or infinite"),
        (3, "missing timestamp"),
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("ts,open,high,low,close\n2024-01-01,1,2,0,1\n", "missing volume"),
        ("a,b\n1,2\n", "missing"),
        ("", "not a readable CSV"),
    ],
)
def test_read_candles_csv_rejects_unusable_files(tmp_path, content, message):
    path = tmp_path / "c.csv"
    path.write_text(content)
    with pytest.raises(CandleValidationError, match=message):
        read_candles_csv(path)


def test_read_candles_csv_missing_file(tmp_path):
    with pytest.raises(CandleValidationError, match="not found"):
        read_candles_csv(tmp_path / "absent.csv")
