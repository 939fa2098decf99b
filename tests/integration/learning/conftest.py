"""`sessions` on a migrated database for each backend of `db_url` (SQLite and Postgres)."""

from __future__ import annotations

from tests.fixtures.db import sessions

__all__ = ["sessions"]
