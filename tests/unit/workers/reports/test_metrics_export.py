"""Metrics export: per-hour rows and the summary, CSV and JSON agreeing with each other."""

from __future__ import annotations

import csv
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from crpbot.observation.stats import Period
from crpbot_workers.reports.metrics_export import ExportPaths, checked_formats, export_metrics
from tests.fixtures.observation import ACCOUNT_SIZE, BOT, DAY, EXPECTED, ObservedDb

PERIOD = Period.day(DAY)


def _export(observed: ObservedDb, out: Path, period: Period = PERIOD, **kw: Any) -> ExportPaths:
    return export_metrics(
        observed.sessions, BOT, period.start, period.end, out, account_size=ACCOUNT_SIZE, **kw
    )


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _as_text(value: Any) -> str:
    """How a JSON value looks in the CSV (null is an empty cell)."""
    return "" if value is None else str(value)


@pytest.fixture(scope="module")
def exported(observed: ObservedDb, tmp_path_factory: pytest.TempPathFactory) -> ExportPaths:
    return _export(observed, tmp_path_factory.mktemp("metrics"))


def test_export_metrics_writes_csv_and_json(exported: ExportPaths) -> None:
    assert [p.name for p in exported.files] == ["hourly.csv", "summary.csv", "metrics.json"]
    assert exported.directory.name == "20260302T000000Z_20260303T000000Z"
    assert exported.directory.parent.parent.name == BOT


def test_export_metrics_csv_round_trips_to_the_json(exported: ExportPaths) -> None:
    payload = json.loads((exported.directory / "metrics.json").read_text())
    rows = _csv(exported.directory / "hourly.csv")
    assert len(rows) == len(payload["hourly"]) == 24
    for row, record in zip(rows, payload["hourly"], strict=True):
        assert row == {key: _as_text(value) for key, value in record.items()}
    summary = {r["metric"]: r["value"] for r in _csv(exported.directory / "summary.csv")}
    assert summary == {key: _as_text(value) for key, value in payload["summary"].items()}


def test_export_metrics_figures_match_the_records(exported: ExportPaths) -> None:
    payload = json.loads((exported.directory / "metrics.json").read_text())
    hourly, summary = payload["hourly"], payload["summary"]
    assert sum(r["signals"] for r in hourly) == summary["signals"] == EXPECTED["signals"]
    assert sum(r["approved"] for r in hourly) == EXPECTED["approved"]
    assert sum(r["scan_cycles"] for r in hourly) == EXPECTED["scan_cycles"]
    assert sum(r["paper_pnl"] for r in hourly) == pytest.approx(summary["paper_pnl"])
    assert summary["paper_end"] == pytest.approx(EXPECTED["paper_end"])
    assert (summary["win_rate"], summary["win_rate_decided"]) == (0.5, 2)
    assert summary["start"] == "2026-03-02T00:00:00+00:00"
    assert hourly[9]["hour"] == "2026-03-02T09:00:00+00:00"
    assert (hourly[9]["signals"], hourly[9]["approved"], hourly[9]["rejected"]) == (2, 1, 1)


def test_export_metrics_one_format_and_several_days(observed: ObservedDb, tmp_path: Path) -> None:
    period = Period(PERIOD.start - timedelta(days=1), PERIOD.end)
    paths = _export(observed, tmp_path, period, formats=["json"])
    assert [p.name for p in paths.files] == ["metrics.json"]
    payload = json.loads(paths.files[0].read_text())
    assert len(payload["hourly"]) == 48
    assert payload["summary"]["signals"] == EXPECTED["signals"] + 1


@pytest.mark.parametrize("formats", [[], ["xml"], ["csv", "pdf"], [" "]])
def test_checked_formats_rejects_unknown_or_none(formats: list[str]) -> None:
    with pytest.raises(ValueError, match="formats must be among csv, json"):
        checked_formats(formats)


def test_checked_formats_normalises() -> None:
    assert checked_formats([" CSV", "json "]) == {"csv", "json"}
