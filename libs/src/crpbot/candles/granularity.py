"""Candle granularities, named as Coinbase names them, and the bar arithmetic they imply.

Only the granularities every candle endpoint accepts are listed: the public market endpoint
has no FOUR_HOUR, so allowing it here would make a symbol fetchable with a key but not without.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

GRANULARITY_SECONDS: dict[str, int] = {
    "ONE_MINUTE": 60,
    "FIVE_MINUTE": 300,
    "FIFTEEN_MINUTE": 900,
    "THIRTY_MINUTE": 1800,
    "ONE_HOUR": 3600,
    "TWO_HOUR": 7200,
    "SIX_HOUR": 21600,
    "ONE_DAY": 86400,
}


def granularity_seconds(name: str) -> int:
    """Bar length in seconds; an unknown name fails with the list of valid ones."""
    try:
        return GRANULARITY_SECONDS[name]
    except KeyError:
        valid = ", ".join(GRANULARITY_SECONDS)
        raise ValueError(f"unknown granularity {name!r}; expected one of {valid}") from None


def granularity_delta(name: str) -> timedelta:
    """Bar length as a timedelta, for pandas arithmetic."""
    return timedelta(seconds=granularity_seconds(name))


def floor_to_bar(moment: datetime, granularity: str) -> datetime:
    """Open time of the bar containing `moment` (bars are aligned to the Unix epoch)."""
    step = granularity_seconds(granularity)
    seconds = int(moment.timestamp())
    return datetime.fromtimestamp(seconds - seconds % step, tz=UTC)


def closed_bars_end(now: datetime, granularity: str) -> datetime:
    """Exclusive end of the bars that are complete at `now`: the still-open bar is excluded,
    because storing it would freeze a partial candle that later fetches never revisit."""
    return floor_to_bar(now, granularity)
