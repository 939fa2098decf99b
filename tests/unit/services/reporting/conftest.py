"""A migrated SQLite file, empty or holding `tests.fixtures.observation`'s day."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.fixtures.db import sessions
from tests.fixtures.observation import fill_day

__all__ = ["sessions"]


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'observe.db'}"


@pytest.fixture
def filled(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """The database holding the observed day."""
    fill_day(sessions)
    return sessions
