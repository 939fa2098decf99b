"""What one scan cycle did, per symbol and in total: printed by `crpbot scan --once`, read by
the demo's replay and stored (in summary) as a scan-cycle row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from crpbot.db.records import SignalRecord

Outcome = Literal[
    "approved",
    "rejected",
    "risk_unavailable",
    "spooled",
    "already_decided",
    "below_gate",
    "no_new_bar",
    "failed",
]
"""`risk_unavailable`: stored, the guard gave no answer; `spooled`: the database was down, the
signal waits in the spool; `already_decided`: an earlier cycle stored and decided this bar;
`no_new_bar`: the feed has no bar closed at the cycle's event time (market closed, late data)."""

_COMPUTED: frozenset[str] = frozenset(
    {"approved", "rejected", "risk_unavailable", "spooled", "already_decided"}
)


@dataclass(frozen=True)
class SymbolResult:
    """One symbol's result; signal fields are set once a signal passed the gate."""

    symbol: str
    outcome: Outcome
    signal_id: int | None = None
    side: str | None = None
    tier: str | None = None
    confidence: float | None = None
    size: float = 0.0
    reasons: tuple[str, ...] = ()
    error: str = ""

    @classmethod
    def of(
        cls,
        signal: SignalRecord,
        outcome: Outcome,
        *,
        reasons: tuple[str, ...] = (),
        size: float = 0.0,
    ) -> SymbolResult:
        return cls(
            symbol=signal.symbol,
            outcome=outcome,
            signal_id=signal.id,
            side=signal.side,
            tier=signal.tier,
            confidence=signal.confidence,
            size=size,
            reasons=reasons,
        )


@dataclass(frozen=True)
class CycleReport:
    """`event_ts` is the close of the newest bar the cycle scored (the guard's clock)."""

    bot: str
    now: datetime
    event_ts: datetime
    duration_s: float
    paused: bool = False
    results: tuple[SymbolResult, ...] = ()
    replayed: int = 0

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)

    @property
    def count_ok(self) -> int:
        return len(self.results) - self.count("failed")

    @property
    def signals(self) -> int:
        """Signals computed this cycle or found stored for this bar."""
        return sum(1 for r in self.results if r.outcome in _COMPUTED)

    @property
    def errors(self) -> tuple[str, ...]:
        return tuple(f"{r.symbol}: {r.error}" for r in self.results if r.outcome == "failed")

    @property
    def result(self) -> Literal["ok", "partial", "failed", "paused"]:
        """ok|partial|failed, as the cycle metric labels it (`paused` when skipped)."""
        if self.paused:
            return "paused"
        failed = self.count("failed")
        if failed == 0:
            return "ok"
        return "failed" if failed == len(self.results) else "partial"

    def log_fields(self) -> dict[str, object]:
        return {
            "bot": self.bot,
            "event_ts": self.event_ts.isoformat(),
            "duration_s": round(self.duration_s, 4),
            "approved": self.count("approved"),
            "rejected": self.count("rejected"),
            "failed": self.count("failed"),
            "replayed": self.replayed,
        }
