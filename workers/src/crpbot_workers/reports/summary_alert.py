"""The daily report's summary as an alert: the figures a person checks first, sent to chat.

The report's files hold everything; the alert carries what fits on a phone screen and is
built from the same `PeriodReport`, so the message and the report never disagree. The paper
account (what approved signals would have done) is where observation mode's account stands.
"""

from __future__ import annotations

from crpbot.notify.alerts import DailyReportAlert
from crpbot.observation.period_report import PeriodReport


def daily_alert(report: PeriodReport) -> DailyReportAlert:
    """The summary of the reported day: counts, outcomes, paper equity, daily headroom and
    the skill gates (a closed one says the signals are unproven)."""
    h = report.headline
    headroom = (
        report.paper_headroom[-1].daily_headroom if report.paper_headroom else h.min_daily_headroom
    )
    return DailyReportAlert(
        bot=report.bot,
        day=report.period.start.date(),
        signals=h.signals,
        approved=h.approved,
        rejected=h.rejected,
        won=h.won,
        lost=h.lost,
        expired=h.expired,
        equity=h.paper_end,
        daily_headroom=headroom,
        gates=report.gates,
    )
