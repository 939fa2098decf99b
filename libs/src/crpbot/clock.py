"""The one wall clock. Decisions take the time as an argument; the services that need "now"
take a `clock` callable defaulting to `utcnow`, so tests and replays pass their own."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (never naive, so it compares with stored rows)."""
    return datetime.now(UTC)
