"""Databases for the report tests: empty (`sessions`), holding the observed day (`filled`),
and one observed-day database shared by a whole test module (`observed`) for read-only tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.db import sessions
from tests.fixtures.observation import filled, observed

__all__ = ["filled", "observed", "sessions"]


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'observe.db'}"
