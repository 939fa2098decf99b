"""Databases for the report tests: empty (`sessions`), holding the observed day (`filled`),
and one observed-day database shared by a whole test module (`observed`) for read-only tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crpbot.db.engine import make_engine, session_factory, upgrade
from tests.fixtures.db import sessions
from tests.fixtures.observation import ObservedDb, fill_day, filled

__all__ = ["filled", "sessions"]


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'observe.db'}"


@pytest.fixture(scope="module")
def observed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ObservedDb]:
    """The observed day in a SQLite file, filled once per module; tests must only read it."""
    url = f"sqlite:///{tmp_path_factory.mktemp('observed') / 'observe.db'}"
    upgrade(url)
    engine = make_engine(url)
    sessions = session_factory(engine)
    fill_day(sessions)
    yield ObservedDb(url, sessions)
    engine.dispose()
