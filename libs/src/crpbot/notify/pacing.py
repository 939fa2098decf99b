"""Telegram's send limits as a pure schedule: how long to wait before the next message.

The Bot API FAQ allows about one message per second to a chat and about 30 per second
overall; going faster earns 429s with `retry_after`. Pacing up front keeps a burst of alerts
(say, a halt right after several signals) from being throttled at all.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass
class SendPacer:
    """Times are monotonic seconds passed in by the caller, so the schedule is testable."""

    per_chat_interval_s: float = 1.0
    global_per_second: int = 30
    _last_by_chat: dict[int, float] = field(default_factory=dict)
    _recent: deque[float] = field(default_factory=deque)

    def delay(self, chat_id: int, now: float) -> float:
        """Seconds to wait from `now` before sending to `chat_id` (0 when it may go now)."""
        while self._recent and self._recent[0] <= now - 1.0:
            self._recent.popleft()
        wait = 0.0
        last = self._last_by_chat.get(chat_id)
        if last is not None:
            wait = max(wait, last + self.per_chat_interval_s - now)
        if len(self._recent) >= self.global_per_second:
            wait = max(wait, self._recent[0] + 1.0 - now)
        return wait

    def sent(self, chat_id: int, at: float) -> None:
        """Record a send to `chat_id` at time `at`."""
        self._last_by_chat[chat_id] = at
        self._recent.append(at)
