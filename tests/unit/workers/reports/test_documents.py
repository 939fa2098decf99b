"""The report title says whether it covers one day or a longer period."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import cast

import pytest

from crpbot.observation.period_report import PeriodReport
from crpbot.observation.stats import Period
from crpbot_workers.reports.documents import title


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ((2018, 2, 7), (2018, 2, 8), "Daily observation report: demo, 2018-02-07"),
        ((2018, 1, 25), (2018, 2, 8), "Observation report: demo, 2018-01-25 to 2018-02-07"),
        ((2018, 1, 25), (2018, 1, 27), "Observation report: demo, 2018-01-25 to 2018-01-26"),
    ],
)
def test_title_names_the_day_or_the_whole_period(
    start: tuple[int, int, int], end: tuple[int, int, int], expected: str
) -> None:
    period = Period(datetime(*start, tzinfo=UTC), datetime(*end, tzinfo=UTC))
    report = cast(PeriodReport, SimpleNamespace(bot="demo", period=period))
    assert title(report) == expected
