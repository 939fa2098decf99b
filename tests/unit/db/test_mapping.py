"""Records to column values and back: ids, JSON lists and objects."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from crpbot.db.mapping import column_values, record_from_row
from crpbot.db.records import CalibrationChangeRecord, ScanCycleRecord

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def test_column_values_leave_the_id_to_the_database_and_make_json_plain() -> None:
    change = CalibrationChangeRecord(T0, "platt", 50, {"a": 1.0}, {"a": 1.2}, id=7)
    cycle = ScanCycleRecord("demo", T0, T0, 1.0, 2, 0, 0, errors=("feed down",), id=3)
    assert column_values(change) == {
        "ts": T0,
        "method": "platt",
        "n_samples": 50,
        "before": {"a": 1.0},
        "after": {"a": 1.2},
    }
    assert column_values(cycle)["errors"] == ["feed down"]
    assert "id" not in column_values(cycle)


def test_record_from_row_copies_json_objects_so_the_row_can_change() -> None:
    before = {"a": 1.0}
    row = SimpleNamespace(ts=T0, method="platt", n_samples=50, before=before, after={}, id=4)
    record = record_from_row(CalibrationChangeRecord, row)
    before["a"] = 9.0
    assert record == CalibrationChangeRecord(T0, "platt", 50, {"a": 1.0}, {}, id=4)


def test_record_from_row_turns_json_lists_into_tuples() -> None:
    row = SimpleNamespace(
        bot="demo",
        started_at=T0,
        finished_at=T0,
        duration_s=1.0,
        symbols_ok=1,
        symbols_failed=1,
        signals=0,
        errors=["feed down"],
        id=1,
    )
    assert record_from_row(ScanCycleRecord, row).errors == ("feed down",)
