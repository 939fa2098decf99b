"""What the Telegram bot (and any other chat or web channel) can ask of a running bot.

One class, plain dataclasses out: commands format answers, this layer reads them through the
repositories, the risk guard and the readiness checks. Keeping queries here means a second
channel never re-implements "what is the status" against the tables.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from crpbot.clock import utcnow
from crpbot.db.records import OutcomeRecord, ScanCycleRecord, SignalRecord
from crpbot.db.repos.outcomes import resolved_signals
from crpbot.db.repos.scan_cycles import scan_cycles
from crpbot.db.repos.signals import count_signals, recent_signals
from crpbot.risk import GuardState
from crpbot.risk.ftmo import FloorHeadroom
from crpbot.services.pause import PauseControl
from crpbot.skill.expectancy import Expectancy, summarize, trade_r
from crpbot.skill.gate import GateDecision, GateRules, skill_gates
from crpbot.telemetry.metrics import Telemetry, get_telemetry
from crpbot.telemetry.readiness import Readiness, ReadinessReport
from crpbot.telemetry.redact import redact_text

log = logging.getLogger(__name__)

MAX_SIGNALS = 50
TIERS = ("high", "medium", "low")
# The risk status a bot reports when it cannot ask its guard (down, or no guard configured).
RISK_UNAVAILABLE = "unavailable"
ACTIVITY_WINDOW = timedelta(hours=24)


class RiskStateReader(Protocol):
    """The guard's view of an account: `RiskGuardService` in-process or `RiskClient` over HTTP."""

    def state(self, account: str) -> GuardState:
        """The account's state at the newest event time the guard has seen."""
        ...


class RiskUnavailableError(RuntimeError):
    """The risk state could not be read (guard down, account unknown); the text says why."""


@dataclass(frozen=True, slots=True)
class RiskView(FloorHeadroom):
    """An account against its FTMO floors."""

    account: str
    status: str
    balance: float
    equity: float
    daily_floor: float
    total_floor: float
    signals_last_hour: int
    high_tier_last_hour: int

    @property
    def halted(self) -> bool:
        """True while the guard approves nothing (daily halt or total breach)."""
        return self.status in ("halted_daily", "breached_total")


@dataclass(frozen=True, slots=True)
class BotStatus:
    """The bot at a glance; `risk_status` is None when the guard could not be asked."""

    bot: str
    mode: str
    paused: bool
    risk_status: str | None
    last_scan: ScanCycleRecord | None
    gates: tuple[GateDecision, ...] = ()

    @property
    def active(self) -> bool:
        """Scanning: neither paused nor halted."""
        return not self.paused and self.risk_status not in ("halted_daily", "breached_total")


@dataclass(frozen=True, slots=True)
class BotActivity:
    """What `kubectl get tradingbots` shows of the bot: the guard's status (an
    `FtmoStatus` value, or `RISK_UNAVAILABLE`) and its signals of the last 24 h by bar time."""

    risk_status: str
    signals_24h: int


@dataclass(frozen=True, slots=True)
class TierStats:
    """Outcomes of one tier; calibration compares the promised and the realised win rate,
    `figures` the expectancy after costs and the break-even win rate."""

    tier: str
    signals: int
    won: int
    lost: int
    expired: int
    mean_confidence: float | None
    figures: Expectancy

    @property
    def win_rate(self) -> float | None:
        """won / (won + lost), the one win rate (`crpbot.skill.expectancy`)."""
        return self.figures.win_rate

    @property
    def calibration_gap(self) -> float | None:
        """Mean confidence minus realised win rate: positive means over-confident."""
        if self.win_rate is None or self.mean_confidence is None:
            return None
        return self.mean_confidence - self.win_rate


@dataclass(frozen=True, slots=True)
class BotStats:
    """Counts over the last `window_days` (by bar time), per decision and per tier."""

    window_days: int
    signals: int
    approved: int
    rejected: int
    tiers: tuple[TierStats, ...]


@dataclass(frozen=True, slots=True)
class PauseChange:
    """The switch after `/pause` or `/resume`; `changed` is False when it already was so."""

    bot: str
    paused: bool
    changed: bool


def tier_stats(
    tier: str, pairs: list[tuple[SignalRecord, OutcomeRecord]], round_trip_cost: float
) -> TierStats:
    """Outcomes of one tier's signals, each charged `round_trip_cost` (a fraction of price);
    the daily report's tier table uses it too."""
    results = Counter(outcome.result for _, outcome in pairs)
    decided = [s.confidence for s, o in pairs if o.result != "expired"]
    trades = [
        trade_r(o.result, o.r_multiple, s.entry, s.stop, s.target, round_trip_cost)
        for s, o in pairs
    ]
    return TierStats(
        tier=tier,
        signals=len(pairs),
        won=results["won"],
        lost=results["lost"],
        expired=results["expired"],
        mean_confidence=sum(decided) / len(decided) if decided else None,
        figures=summarize(trades),
    )


class BotService:
    """Queries and switches of one bot, for chat commands."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        bot: str,
        mode: str,
        account: str,
        pause: PauseControl,
        risk: RiskStateReader | None,
        readiness: Readiness,
        clock: Callable[[], datetime] = utcnow,
        stats_window: timedelta = timedelta(days=30),
        telemetry: Telemetry | None = None,
        skill: GateRules | None = None,
    ) -> None:
        self.bot = bot
        self._sessions = sessions
        self._mode = mode
        self._account = account
        self._pause = pause
        self._risk = risk
        self._readiness = readiness
        self._clock = clock
        self._window = stats_window
        self._telemetry = telemetry or get_telemetry()
        self._skill = skill or GateRules()

    def status(self) -> BotStatus:
        with self._sessions() as session:
            last = scan_cycles(session, bot=self.bot, limit=1)
        try:
            risk_status: str | None = self.risk_state().status
        except RiskUnavailableError:
            risk_status = None
        return BotStatus(
            bot=self.bot,
            mode=self._mode,
            paused=self._pause.is_paused(),
            risk_status=risk_status,
            last_scan=last[0] if last else None,
            gates=self.skill_gates(),
        )

    def activity(self) -> BotActivity:
        with self._sessions() as session:
            signals = count_signals(session, bot=self.bot, since=self._clock() - ACTIVITY_WINDOW)
        try:
            risk_status = self.risk_state().status
        except RiskUnavailableError:
            risk_status = RISK_UNAVAILABLE
        return BotActivity(risk_status=risk_status, signals_24h=signals)

    def skill_gates(self) -> tuple[GateDecision, ...]:
        """Every tier's skill gate now, from this bot's resolved outcomes."""
        with self._sessions() as session:
            resolved = resolved_signals(session, bot=self.bot)
        return skill_gates(resolved, self._clock(), self._skill)

    def recent_signals(self, n: int = 5) -> list[SignalRecord]:
        """The newest `n` signals (1 to `MAX_SIGNALS`), newest bar first."""
        with self._sessions() as session:
            return recent_signals(session, bot=self.bot, limit=max(1, min(n, MAX_SIGNALS)))

    def risk_state(self) -> RiskView:
        """The configured account's state; `RiskUnavailableError` when it cannot be read."""
        if self._risk is None:
            raise RiskUnavailableError("no risk guard configured")
        try:
            state = self._risk.state(self._account)
        except Exception as exc:
            reason = redact_text(f"{type(exc).__name__}: {exc}")
            log.warning("risk state unavailable", extra={"account": self._account, "error": reason})
            raise RiskUnavailableError(reason) from exc
        return RiskView(
            account=self._account,
            status=str(state.status),
            balance=state.balance,
            equity=state.equity,
            daily_floor=state.daily_floor,
            total_floor=state.total_floor,
            signals_last_hour=state.signals_last_hour,
            high_tier_last_hour=state.high_tier_last_hour,
        )

    def stats(self) -> BotStats:
        since = self._clock() - self._window
        with self._sessions() as session:
            produced = recent_signals(session, bot=self.bot, since=since, limit=1_000_000)
            resolved = resolved_signals(session, since=since, bot=self.bot)
        statuses = Counter(signal.status for signal in produced)
        cost = self._skill.round_trip_cost
        tiers = tuple(
            tier_stats(tier, [p for p in resolved if p[0].tier == tier], cost) for tier in TIERS
        )
        return BotStats(
            window_days=self._window.days,
            signals=len(produced),
            approved=statuses["approved"],
            rejected=statuses["rejected"],
            tiers=tiers,
        )

    def pause(self) -> PauseChange:
        return self._switch(True)

    def resume(self) -> PauseChange:
        return self._switch(False)

    def health(self) -> ReadinessReport:
        return self._readiness.report()

    def _switch(self, paused: bool) -> PauseChange:
        before = self._pause.is_paused()
        if before != paused:
            self._pause.set_paused(paused)
        log.info("bot pause switched", extra={"bot": self.bot, "paused": paused})
        self._telemetry.set_bot_active(self.bot, self.status().active)
        return PauseChange(bot=self.bot, paused=paused, changed=before != paused)
