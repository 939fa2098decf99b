"""When to tell people a dependency is down: once when an outage starts, once when it ends.

A scanner that cannot reach the risk guard or its database fails closed every cycle (every
two minutes); a failure alert per cycle would bury the one message that matters. So the
watch remembers each component's last state and turns only the transitions into alerts:
up -> down is a `FailureAlert`, down -> up is the same alert marked `recovered`. A component
not exercised in a cycle keeps its state. The memory is the process's own: a restarted
scanner announces a still-running outage once more, which errs on the side of telling.
"""

from __future__ import annotations

import threading
from datetime import datetime

from crpbot.notify.alerts import FailureAlert

_DOWN = {
    "risk_guard": "risk guard unreachable: no signal is approved until it answers "
    "(computed signals are stored undecided)",
    "database": "database unreachable: computed signals wait in the local spool, "
    "none is approved or announced",
}
_UP = {
    "risk_guard": "risk guard answers again: undecided signals of the open bar are decided",
    "database": "database reachable again: spooled signals are replayed",
}


class OutageWatch:
    """Per-component memory of up or down; safe to share between threads."""

    def __init__(self, bot: str = "") -> None:
        self._bot = bot
        self._down: set[str] = set()
        self._lock = threading.Lock()

    def observe(self, component: str, ok: bool, ts: datetime) -> FailureAlert | None:
        """The alert to send now that `component` was seen `ok` (or not) at `ts`, or None."""
        with self._lock:
            was_down = component in self._down
            if ok:
                self._down.discard(component)
            else:
                self._down.add(component)
        changed = ok == was_down
        if not changed:
            return None
        summaries = _UP if ok else _DOWN
        summary = summaries.get(component, f"{component} {'recovered' if ok else 'unavailable'}")
        return FailureAlert(component, summary, ts, bot=self._bot, recovered=ok)
