"""`python -m crpbot_workers.docs` writes every generated page, or checks them for drift."""

from __future__ import annotations

from pathlib import Path

import pytest

from crpbot_workers.docs.__main__ import PAGES, main

ROOT = Path(__file__).resolve().parents[4]


def test_docs_check_passes_on_the_committed_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert main([]) == 0


def test_docs_write_then_check_round_trips(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs").mkdir()
    assert main([]) == 1
    stale = capsys.readouterr().err.splitlines()
    assert [line.split(" ")[0] for line in stale] == [str(path) for path, _ in PAGES]
    assert main(["--write"]) == 0
    assert main([]) == 0
    for path, render in PAGES:
        assert (tmp_path / path).read_text(encoding="utf-8") == render()


def test_docs_unknown_argument_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--writ"]) == 2
    assert capsys.readouterr().err == "usage: python -m crpbot_workers.docs [--write]\n"
