"""Hand-built resolved signals: entry 100, stop 98.5, target 102 (2 : 1.5 ATR, reward 4/3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from crpbot.skill.expectancy import Result

T0 = datetime(2026, 1, 5, tzinfo=UTC)
REWARD = 2.0 / 1.5


@dataclass(frozen=True)
class Sig:
    tier: str
    entry: float = 100.0
    stop: float = 98.5
    target: float = 102.0


@dataclass(frozen=True)
class Out:
    result: Result
    r_multiple: float
    resolved_ts: datetime


def outcomes(
    tier: str, won: int, lost: int, expired: int = 0, expired_r: float = 0.0, start: datetime = T0
) -> list[tuple[Sig, Out]]:
    """`won` target hits, `lost` stops and `expired` expiries at `expired_r`, one an hour,
    interleaved so no prefix is all wins."""
    ends: list[tuple[Result, float]] = (
        [("won", REWARD)] * won + [("lost", -1.0)] * lost + [("expired", expired_r)] * expired
    )
    ends = ends[::2] + ends[1::2]
    return [
        (Sig(tier), Out(result, r, start + timedelta(hours=i)))
        for i, (result, r) in enumerate(ends)
    ]
