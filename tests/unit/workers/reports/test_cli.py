"""`crpbot report daily` and `crpbot metrics export` through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crpbot_workers.cli import app
from tests.fixtures.observation import BOT, DAY, EXPECTED, ObservedDb

runner = CliRunner()


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Settings from the environment only: the bot name and a report dir under tmp."""
    monkeypatch.delenv("CRPBOT_CONFIG_FILE", raising=False)
    monkeypatch.setenv("CRPBOT_BOT_NAME", BOT)
    monkeypatch.setenv("CRPBOT_REPORT_DIR", str(tmp_path / "configured"))


def test_report_daily_json_prints_the_written_paths(observed: ObservedDb, tmp_path: Path) -> None:
    args = ["report", "daily", "--date", DAY.isoformat(), "--out", str(tmp_path / "r")]
    result = runner.invoke(app, [*args, "--database-url", observed.url, "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert Path(payload["markdown"]) == tmp_path / "r" / BOT / DAY.isoformat() / "report.md"
    assert Path(payload["html"]).is_file()
    assert len(payload["charts"]) == 5 and all(Path(p).is_file() for p in payload["charts"])
    assert (payload["signals"], payload["approved"]) == (EXPECTED["signals"], EXPECTED["approved"])


def test_report_daily_defaults_to_the_report_dir_setting(
    observed: ObservedDb, tmp_path: Path
) -> None:
    result = runner.invoke(
        app, ["report", "daily", "--date", DAY.isoformat(), "--database-url", observed.url]
    )
    assert result.exit_code == 0, result.output
    assert "7 signals (4 approved, 2 rejected)" in result.stdout
    assert (tmp_path / "configured" / BOT / DAY.isoformat() / "report.html").is_file()


def test_metrics_export_json_lists_the_files(observed: ObservedDb, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "metrics", "export", "--from", DAY.isoformat(), "--to", DAY.isoformat(),
            "--format", "csv", "--out", str(tmp_path), "--database-url", observed.url, "--json",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    files = [Path(p) for p in json.loads(result.stdout)["files"]]
    assert [p.name for p in files] == ["hourly.csv", "summary.csv"]
    assert files[0].parent.name == "20260302T000000Z_20260303T000000Z"
    assert len(files[0].read_text().splitlines()) == 1 + 24


def test_metrics_export_accepts_times(observed: ObservedDb, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "metrics", "export", "--from", "2026-03-02T09:00", "--to", "2026-03-02T11:00+00:00",
            "--format", "json", "--out", str(tmp_path), "--database-url", observed.url, "--json",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    payload = json.loads(Path(json.loads(result.stdout)["files"][0]).read_text())
    assert [r["hour"][11:13] for r in payload["hourly"]] == ["09", "10"]
    assert payload["summary"]["signals"] == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "daily", "--date", "02/03/2026"], "--date must be a date"),
        (["metrics", "export", "--from", "yesterday", "--to", "2026-03-02"], "--from must be"),
        (["metrics", "export", "--from", "2026-03-03", "--to", "2026-03-01"], "--to must be after"),
        (
            ["metrics", "export", "--from", "2026-03-02", "--to", "2026-03-02", "--format", "xml"],
            "--format",
        ),
        (["report", "daily", "--date", "2026-03-02", "--database-url", "nope"], "--database-url"),
    ],
    ids=["bad-date", "bad-from", "reversed", "bad-format", "bad-url"],
)
def test_report_cli_bad_input_fails_with_one_line(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_report_daily_unmigrated_database_names_the_fix(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'blank.db'}"
    result = runner.invoke(app, ["report", "daily", "--date", "2026-03-02", "--database-url", url])
    assert result.exit_code == 1
    assert "crpbot db upgrade" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", [["report", "daily"], ["metrics", "export"]])
def test_report_cli_help_explains(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "--json" in result.output and "--database-url" in result.output
