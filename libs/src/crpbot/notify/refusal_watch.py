"""When to tell people that a client's event times are being refused.

A refused event time (ahead of the guard's clock, or older than the newest seen) means the
client's clock or data is wrong and none of its checks or equity reports count: the daily-loss
halt may not see a falling equity. One refusal can be a glitch; `threshold` of them for one
account within `window` of wall time is a person's problem, so that crossing alerts once. The
alert re-arms once the account's refusals in the window fall below the threshold again.
"""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from datetime import datetime, timedelta

from crpbot.notify.alerts import FailureAlert


class RefusalWatch:
    """Per-account refusal times within the window; safe to share between request threads."""

    def __init__(self, threshold: int, window: timedelta) -> None:
        if threshold < 1 or window <= timedelta(0):
            raise ValueError("RefusalWatch needs threshold >= 1 and a positive window")
        self._threshold = threshold
        self._window = window
        self._seen: defaultdict[str, deque[datetime]] = defaultdict(deque)
        self._lock = threading.Lock()

    def observe(self, account: str, reason: str, now: datetime) -> FailureAlert | None:
        """Note one refusal at wall time `now`; the alert to send when this one crosses."""
        with self._lock:
            times = self._seen[account]
            while times and times[0] <= now - self._window:
                times.popleft()
            times.append(now)
            crossed = len(times) == self._threshold
        if not crossed:
            return None
        minutes = self._window.total_seconds() / 60
        return FailureAlert(
            component="risk_guard",
            summary=(
                f"account {account}: {self._threshold} requests refused in {minutes:g} min"
                f" (last: {reason}); its checks and equity reports are not counted until the"
                " client's clock is fixed (docs/guarantees.md: recovering a locked account)"
            ),
            ts=now,
        )
