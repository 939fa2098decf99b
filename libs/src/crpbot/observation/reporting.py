"""The read side of observation mode: load one period's records, summarise them.

Only loading lives here (through the repositories, in one read-only session); every figure is
computed by `crpbot.observation.period_report.summarize` from plain records.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from crpbot.db.repos.accounts import equity_points, initial_balance
from crpbot.db.repos.calibration import calibration_changes
from crpbot.db.repos.outcomes import resolved_signals
from crpbot.db.repos.patterns import pattern_stats
from crpbot.db.repos.scan_cycles import scan_cycles
from crpbot.db.repos.scored_bars import resolved_scored_bars
from crpbot.db.repos.signals import recent_signals
from crpbot.observation.period_report import PeriodRecords, PeriodReport, summarize
from crpbot.observation.stats import Period
from crpbot.risk import RiskLimits
from crpbot.skill.gate import GateRules

log = logging.getLogger(__name__)

ALL = 10_000_000
# An FTMO day starts at Prague midnight, at most a day before a UTC instant: snapshots from a
# day earlier are enough to know the balance every day in the period opened with.
_DAY_OPEN_LOOKBACK = timedelta(days=1)


class ReportingService:
    """Reads a bot's period from the database; never writes."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def load(self, bot: str, period: Period, account: str | None = None) -> PeriodRecords:
        """The period's records; `account` (default: the bot's name) is the guard's account."""
        account_id = account or bot
        with self._sessions() as session:
            signals = [
                s
                for s in recent_signals(session, bot=bot, since=period.start, limit=ALL)
                if s.bar_ts < period.end
            ]
            resolved = [
                pair
                for pair in resolved_signals(session)
                if pair[0].bot == bot and pair[1].resolved_ts < period.end
            ]
            cycles = [
                c
                for c in scan_cycles(session, bot=bot, since=period.start, limit=ALL)
                if c.started_at < period.end
            ]
            opening = initial_balance(session, account_id)
            points = equity_points(
                session,
                account_id,
                since=period.start - _DAY_OPEN_LOOKBACK,
                until=period.end,
            )
            scored = resolved_scored_bars(session, bot=bot, until=period.end)
            patterns = pattern_stats(session)
            calibrations = [c for c in calibration_changes(session, limit=ALL) if c.ts in period]
        log.info(
            "period loaded",
            extra={
                "bot": bot,
                "start": period.start.isoformat(),
                "end": period.end.isoformat(),
                "signals": len(signals),
                "cycles": len(cycles),
            },
        )
        return PeriodRecords(
            bot=bot,
            period=period,
            signals=signals,
            resolved=resolved,
            cycles=cycles,
            account=account_id,
            account_initial=opening,
            account_points=points,
            patterns=patterns,
            calibrations=calibrations,
            scored=[b for b in scored if b.resolved_ts is not None and b.resolved_ts in period],
        )

    def report(
        self,
        bot: str,
        period: Period,
        *,
        account_size: float,
        limits: RiskLimits,
        skill: GateRules,
        account: str | None = None,
    ) -> PeriodReport:
        """Load and summarise; the paper account starts at `account_size` (see paper_account),
        outcomes are charged and the skill gates decided by `skill`."""
        return summarize(self.load(bot, period, account), account_size, limits, skill)
