"""The resync interval: five minutes unless CRPBOT_RESYNC_SECONDS says otherwise."""

from __future__ import annotations

import pytest

from crpbot_operator.handlers.resync import RESYNC_SECONDS, resync_interval


def test_resync_interval_defaults_to_five_minutes() -> None:
    assert resync_interval({}) == RESYNC_SECONDS == 300.0
    assert resync_interval({"CRPBOT_RESYNC_SECONDS": ""}) == 300.0


def test_resync_interval_reads_the_variable() -> None:
    assert resync_interval({"CRPBOT_RESYNC_SECONDS": "2.5"}) == 2.5


@pytest.mark.parametrize("value", ["0", "-1"])
def test_resync_interval_refuses_a_non_positive_value(value: str) -> None:
    with pytest.raises(ValueError, match="CRPBOT_RESYNC_SECONDS must be positive"):
        resync_interval({"CRPBOT_RESYNC_SECONDS": value})
