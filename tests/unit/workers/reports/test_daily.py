"""The daily report written from a SQLite database: files, embedded charts, headline figures."""

from __future__ import annotations

import base64
import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from crpbot_workers.reports.daily import DailyReportPaths, write_daily_report
from crpbot_workers.reports.documents import NOTHING
from tests.fixtures.observation import ACCOUNT_SIZE, BOT, DAY, EXPECTED, ObservedDb

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
CHARTS = ("signals_per_hour", "decisions_by_reason", "reliability", "paper_equity", "ftmo_headroom")


def _write(sessions: sessionmaker[Session], out: Path, day: date = DAY) -> DailyReportPaths:
    return write_daily_report(sessions, BOT, day, out, account_size=ACCOUNT_SIZE)


def _headline(markdown: str) -> dict[str, str]:
    """The headline table's `| figure | value |` rows."""
    section = markdown.split("## Headline", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (.+?) \| (.+?) \|$", section, flags=re.MULTILINE)
    assert rows[0] == ("figure", "value")
    return dict(rows[1:])


@pytest.fixture(scope="module")
def written(observed: ObservedDb, tmp_path_factory: pytest.TempPathFactory) -> DailyReportPaths:
    """One report of the observed day, shared by the read-only checks below."""
    return _write(observed.sessions, tmp_path_factory.mktemp("daily"))


def test_write_daily_report_html_embeds_the_five_charts(written: DailyReportPaths) -> None:
    page = written.html.read_text(encoding="utf-8")
    images = re.findall(
        r'<figure id="(\w+)"><img alt="[^"]+" src="data:image/png;base64,([^"]+)"', page
    )
    assert [name for name, _ in images] == list(CHARTS)
    for (_, data), png in zip(images, written.charts, strict=True):
        assert base64.b64decode(data) == png.read_bytes()
        assert base64.b64decode(data).startswith(PNG_MAGIC)
    assert 'src="http' not in page and "<script" not in page


def test_write_daily_report_markdown_links_existing_pngs(written: DailyReportPaths) -> None:
    text = written.markdown.read_text(encoding="utf-8")
    links = re.findall(r"!\[[^\]]+\]\(([^)]+)\)", text)
    assert links == [f"{name}.png" for name in CHARTS]
    for link in links:
        assert (written.directory / link).read_bytes().startswith(PNG_MAGIC)


def test_write_daily_report_headline_matches_the_records(written: DailyReportPaths) -> None:
    figures = _headline(written.markdown.read_text(encoding="utf-8"))
    assert figures["Signals"] == str(EXPECTED["signals"])
    assert figures["Approved"] == str(EXPECTED["approved"])
    assert figures["Rejected"] == str(EXPECTED["rejected"])
    assert figures["Undecided (no risk answer)"] == str(EXPECTED["undecided"])
    assert figures["High tier"] == str(EXPECTED["high_tier"])
    assert figures["Approval rate"] == "66.7%"
    assert figures["Approved signals resolved"] == "3 (won 1, lost 1, expired 1)"
    assert figures["Realised win rate (approved, 95% Wilson)"] == "50.0% [9.5%–90.5%] of 2"
    assert figures["Calibration error (ECE, direction, scored bars resolved)"] == (
        f"{EXPECTED['direction_ece']:.3f} of {EXPECTED['direction_resolved']}"
    )
    assert figures["Paper equity start → end"] == (
        f"{EXPECTED['paper_start']:,.2f} → {EXPECTED['paper_end']:,.2f}"
    )
    assert figures["Min headroom to daily floor (paper)"] == "5,000.00"
    assert figures["Scan cycles"] == "24"
    assert figures["Failed symbol scans"] == "1"
    assert figures["Guard headroom daily / total (last)"] == "4,800.00 / 9,800.00"
    assert written.headline.signals == EXPECTED["signals"]


def test_write_daily_report_html_carries_the_same_headline(written: DailyReportPaths) -> None:
    page = written.html.read_text(encoding="utf-8")
    assert "<td>Signals</td><td>7</td>" in page
    assert "<td>rejected</td><td>stop_crosses_daily_floor</td><td>1</td>" in page
    assert NOTHING not in page


def test_write_daily_report_empty_day_says_so(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    paths = _write(sessions, tmp_path, date(2026, 1, 1))
    text = paths.markdown.read_text(encoding="utf-8")
    page = paths.html.read_text(encoding="utf-8")
    assert NOTHING in text and NOTHING in page
    assert _headline(text)["Signals"] == f"0 ({NOTHING})"
    assert page.count("data:image/png;base64,") == len(CHARTS)
    assert all(p.read_bytes().startswith(PNG_MAGIC) for p in paths.charts)


def test_write_daily_report_layout_and_rerun(filled: sessionmaker[Session], tmp_path: Path) -> None:
    first = _write(filled, tmp_path)
    second = _write(filled, tmp_path)
    folder = tmp_path / BOT / DAY.isoformat()
    assert (second.directory, second.markdown, second.html) == (
        folder,
        folder / "report.md",
        folder / "report.html",
    )
    assert first == second
    assert [p.name for p in second.charts] == [f"{name}.png" for name in CHARTS]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["report.md", "report.html", *(f"{name}.png" for name in CHARTS)]
    )


def _table(markdown: str, title: str) -> list[list[str]]:
    """The rows of one markdown table, header first."""
    section = markdown.split(f"## {title}", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (.+) \|$", section, flags=re.MULTILINE)
    return [row.split(" | ") for row in rows]


def test_write_daily_report_expectancy_is_after_costs(written: DailyReportPaths) -> None:
    """Approved outcomes +2, −1, +0.3 R, each charged 0.1% of 100 over a 2-point stop (0.05 R)."""
    figures = _headline(written.markdown.read_text(encoding="utf-8"))
    assert figures["Expectancy (approved, R after costs)"] == "+0.38"
    assert figures["Skill gate"] == "closed for every tier: the signals are unproven"


def test_write_daily_report_gate_table_has_every_tier(written: DailyReportPaths) -> None:
    """Evidence: every outcome of the bot resolved before the period's end, any decision."""
    header, *rows = _table(written.markdown.read_text(encoding="utf-8"), "Skill gate at the end")
    assert header[:4] == ["tier", "gate", "reason", "resolved (needed)"]
    by_tier = {row[0]: row for row in rows}
    assert by_tier["high"] == [
        "high", "closed", "TooFewResolved", "2 (100)", "+1.95", "[+1.95, +1.95]", "100.0%",
        "35.0%",
    ]  # fmt: skip
    assert by_tier["medium"][3] == "3 (100)" and by_tier["low"][3] == "1 (100)"


def test_write_daily_report_tier_table_shows_break_even(written: DailyReportPaths) -> None:
    header, *rows = _table(written.markdown.read_text(encoding="utf-8"), "Outcomes resolved")
    assert header[5:9] == [
        "win rate", "break-even win rate", "expectancy (R after costs)", "95% interval (t)"
    ]  # fmt: skip
    medium = next(row for row in rows if row[0] == "medium")
    assert medium[1:9] == ["2", "0", "2", "0", "0.0%", "35.0%", "-1.05", "[-1.05, -1.05]"]


def test_write_daily_report_alert_carries_the_gates(written: DailyReportPaths) -> None:
    assert [g.tier for g in written.alert.gates] == ["high", "medium", "low"]
    assert not any(g.open for g in written.alert.gates)
