"""SQLite on a temp file for the unit tests of `crpbot.db`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.db import sessions

__all__ = ["sessions"]


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """An empty SQLite database file."""
    return f"sqlite:///{tmp_path / 'crpbot.db'}"
