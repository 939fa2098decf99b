"""A migrated SQLite file (`sessions`), and the same holding the observed day (`filled`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.db import sessions
from tests.fixtures.observation import filled

__all__ = ["filled", "sessions"]


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'observe.db'}"
