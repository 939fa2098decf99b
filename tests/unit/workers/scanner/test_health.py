"""The scanner's readiness: false while its database or its remote risk guard is down."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine

from crpbot.config import Settings
from crpbot.config.settings import RiskSettings
from crpbot_workers.scanner.health import scanner_readiness
from tests.fixtures.ports import free_port


def test_scanner_readiness_fails_on_a_dead_guard_and_database(tmp_path: Path) -> None:
    dead_guard = f"http://127.0.0.1:{free_port()}"
    settings = Settings(risk=RiskSettings(guard_url=dead_guard))
    dead_db = create_engine(f"sqlite:///{tmp_path / 'missing' / 'scan.db'}")

    report = scanner_readiness(settings, dead_db).report()

    assert not report.ready
    assert report.failing == ("database", "risk_guard")


def test_scanner_readiness_in_process_guard_needs_only_the_database(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'scan.db'}")

    report = scanner_readiness(Settings(), engine).report()

    assert report.ready
    assert [check.name for check in report.checks] == ["database"]
