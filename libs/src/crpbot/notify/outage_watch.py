"""When to tell people a dependency is down: once when an outage starts, once when it ends.

A scanner that cannot reach the risk guard or its database fails closed every cycle (every
two minutes); a failure alert per cycle would bury the one message that matters. So the
watch remembers each component's last state and turns only the transitions into alerts:
up -> down is a `FailureAlert`, down -> up is the same alert marked `recovered`. A component
not exercised in a cycle keeps its state.

`crpbot scan --once` is a new process every cycle, so the memory can live in a small JSON file
(`path`, under `data_dir`); it cannot live in the database, which may be the thing that is
down. Without a file, or with a file lost (an emptyDir pod), a still-running outage is
announced once more per process, which errs on the side of telling. A CronJob pod loses it
every cycle, so in a cluster the operator turns these alerts off (`notify.outage_alerts`) and
leaves the outage to the Telegram bot's condition watch.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from datetime import datetime
from pathlib import Path

from crpbot.notify.alerts import FailureAlert

log = logging.getLogger(__name__)

_DOWN = {
    "risk_guard": "risk guard unreachable or refusing this bot's requests (see the scanner "
    "log): no signal is approved until it answers (computed signals are stored undecided)",
    "database": "database unreachable: computed signals wait in the local spool, "
    "none is approved or announced",
}
_UP = {
    "risk_guard": "risk guard answers again: undecided signals of the open bar are decided",
    "database": "database reachable again: spooled signals are replayed",
}


class OutageWatch:
    """Per-component memory of up or down, kept in `path` when given; thread-safe."""

    def __init__(self, bot: str = "", path: Path | None = None) -> None:
        self._bot = bot
        self._path = path
        self._down = self._load()
        self._lock = threading.Lock()

    def _load(self) -> set[str]:
        if self._path is None or not self._path.exists():
            return set()
        try:
            return {str(name) for name in json.loads(self._path.read_text(encoding="utf-8"))}
        except (OSError, ValueError, TypeError):
            log.warning(
                "outage memory unreadable: starting with none", extra={"path": str(self._path)}
            )
            return set()

    def _save(self) -> None:
        if self._path is None:
            return
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            partial = self._path.with_suffix(".tmp")
            partial.write_text(json.dumps(sorted(self._down)), encoding="utf-8")
            os.replace(partial, self._path)
        except OSError as exc:
            log.warning("outage memory not saved", extra={"error": str(exc)})

    def observe(self, component: str, ok: bool, ts: datetime) -> FailureAlert | None:
        """The alert to send now that `component` was seen `ok` (or not) at `ts`, or None."""
        with self._lock:
            was_down = component in self._down
            if ok:
                self._down.discard(component)
            else:
                self._down.add(component)
            changed = ok == was_down
            if changed:
                self._save()
        if not changed:
            return None
        summaries = _UP if ok else _DOWN
        summary = summaries.get(component, f"{component} {'recovered' if ok else 'unavailable'}")
        return FailureAlert(component, summary, ts, bot=self._bot, recovered=ok)
