"""The skill gate: the one switch that says whether a bot's signals have shown they are worth
anything, from the bot's own out-of-sample evidence.

The evidence is every stored observation signal that has resolved (won, lost or expired) by
`now`, whatever the risk guard decided: the guard judges the account, not the signal, and a
rejected signal's outcome says as much about the model as an approved one's. Each is charged
the configured round-trip cost in R (`crpbot.skill.expectancy`). Per tier, the gate opens only
when at least `min_resolved` of them exist AND the 95% interval of their mean R after costs
lies wholly above zero. Anything else — too few, an interval that reaches zero, no evidence —
keeps it closed: no mode that sends orders may run while it is, and every alert says so.

Pure: stored records and the clock in, a decision out, so a replay at the same `now` gives the
same answer as the live bot did (outcomes resolved after `now` are not yet known).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from crpbot.skill.expectancy import Expectancy, Result, summarize, trade_r

TIERS: tuple[str, ...] = ("high", "medium", "low")
DEMONSTRATED = "Demonstrated"
TOO_FEW = "TooFewResolved"
NOT_ABOVE_ZERO = "ExpectancyNotAboveZero"
EVIDENCE_ANNOTATION = "crpbot.io/skill-gate"
"""Where the Telegram bot publishes `evidence_record` on its TradingBot (the operator's
`crpbot_operator.skill.SKILL_ANNOTATION` reads the same key)."""


class StoredSignal(Protocol):
    """What the gate reads of a signal; `crpbot.db.records.SignalRecord` has it."""

    @property
    def tier(self) -> str: ...
    @property
    def entry(self) -> float: ...
    @property
    def stop(self) -> float: ...
    @property
    def target(self) -> float: ...


class StoredOutcome(Protocol):
    """What the gate reads of an outcome; `crpbot.db.records.OutcomeRecord` has it."""

    @property
    def result(self) -> Result: ...
    @property
    def r_multiple(self) -> float: ...
    @property
    def resolved_ts(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class GateRules:
    """`round_trip_cost`: fees plus spread for entering and leaving, a fraction of price."""

    min_resolved: int = 100
    round_trip_cost: float = 0.001

    def __post_init__(self) -> None:
        if self.min_resolved < 2:
            raise ValueError(f"min_resolved must be at least 2, got {self.min_resolved}")
        if not 0 <= self.round_trip_cost < 1:
            raise ValueError(f"round_trip_cost must be in [0, 1), got {self.round_trip_cost}")


@dataclass(frozen=True, slots=True)
class GateDecision:
    """The gate of one tier at `decided_at`, with the numbers it was decided on."""

    tier: str
    open: bool
    reason: str
    decided_at: datetime
    min_resolved: int
    figures: Expectancy

    @property
    def n(self) -> int:
        return self.figures.n

    @property
    def expectancy(self) -> float | None:
        return self.figures.mean_r

    @property
    def interval(self) -> tuple[float, float] | None:
        low, high = self.figures.low, self.figures.high
        return None if low is None or high is None else (low, high)

    @property
    def break_even(self) -> float | None:
        return self.figures.break_even

    @property
    def message(self) -> str:
        """One line with the numbers, for conditions, alerts and reports."""
        f = self.figures
        state = "proven" if self.open else "UNPROVEN"
        if f.n == 0 or f.mean_r is None:
            return f"{self.tier} tier {state}: no resolved signals yet (needs {self.min_resolved})"
        interval = (
            "n/a"
            if self.interval is None
            else (f"[{self.interval[0]:+.2f}, {self.interval[1]:+.2f}]")
        )
        win = "n/a" if f.win_rate is None else f"{f.win_rate:.1%}"
        need = "n/a" if f.break_even is None else f"{f.break_even:.1%}"
        return (
            f"{self.tier} tier {state}: n {f.n} (needs {self.min_resolved}), expectancy "
            f"{f.mean_r:+.2f} R after costs, 95% {interval}, win rate {win} "
            f"vs break-even {need}"
        )


def skill_gate(
    resolved: Iterable[tuple[StoredSignal, StoredOutcome]],
    tier: str,
    now: datetime,
    rules: GateRules | None = None,
) -> GateDecision:
    """The gate of `tier` from the outcomes known at `now`."""
    rules = rules or GateRules()
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    trades = [
        trade_r(o.result, o.r_multiple, s.entry, s.stop, s.target, rules.round_trip_cost)
        for s, o in resolved
        if s.tier == tier and o.resolved_ts <= now
    ]
    figures = summarize(trades)
    if figures.n < rules.min_resolved:
        reason = TOO_FEW
    elif figures.low is None or figures.low <= 0:
        reason = NOT_ABOVE_ZERO
    else:
        reason = DEMONSTRATED
    return GateDecision(tier, reason == DEMONSTRATED, reason, now, rules.min_resolved, figures)


def skill_gates(
    resolved: Iterable[tuple[StoredSignal, StoredOutcome]],
    now: datetime,
    rules: GateRules | None = None,
    tiers: Sequence[str] = TIERS,
) -> tuple[GateDecision, ...]:
    """Every tier's gate, in `tiers` order, from one read of the outcomes."""
    pairs = list(resolved)
    return tuple(skill_gate(pairs, tier, now, rules) for tier in tiers)


def gate_of(decisions: Sequence[GateDecision], tier: str) -> GateDecision | None:
    """The decision of one tier, if it was decided."""
    return next((d for d in decisions if d.tier == tier), None)


def headline(decisions: Sequence[GateDecision]) -> GateDecision:
    """The decision a single bot-level flag reports: the first open tier (high first), else the
    closed tier with the most evidence, the one nearest to opening."""
    if not decisions:
        raise ValueError("no gate decisions")
    opened = [d for d in decisions if d.open]
    if opened:
        return opened[0]
    return max(decisions, key=lambda d: d.n)


def evidence_record(decisions: Sequence[GateDecision]) -> dict[str, Any]:
    """The gates as plain JSON-ready data for whoever publishes them (the Telegram bot writes
    it on its TradingBot, the operator turns it into the `SkillDemonstrated` condition).
    No timestamp: it changes only when the evidence does, so publishing it is idempotent."""
    return {
        "tiers": [
            {
                "tier": d.tier,
                "open": d.open,
                "reason": d.reason,
                "n": d.n,
                "minResolved": d.min_resolved,
                "expectancy": d.expectancy,
                "interval": list(d.interval) if d.interval else None,
                "breakEven": d.break_even,
                "message": d.message,
            }
            for d in decisions
        ]
    }
