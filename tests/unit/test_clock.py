"""The one wall clock is timezone-aware UTC, so it compares with every stored timestamp."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crpbot.clock import utcnow


def test_utcnow_is_aware_utc_and_current() -> None:
    before = datetime.now(UTC)
    now = utcnow()
    assert now.tzinfo is UTC
    assert before <= now <= before + timedelta(seconds=5)
