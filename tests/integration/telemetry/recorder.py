"""What each alert went through, read from Prometheus's `/api/v1/alerts` while a run goes on.

A pending state lasts only the rule's (shortened) `for:`, so the states are sampled in the
background for the whole run rather than checked at a few moments.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from tests.fixtures.prometheus import PrometheusApi

INACTIVE = "inactive"
Key = tuple[str, str]
"""(alert name, namespace)."""


@dataclass
class AlertHistory:
    """Each alert's successive states (consecutive repeats folded), `inactive` when it left."""

    states: dict[Key, list[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def observe(self, seen: dict[Key, str]) -> None:
        with self.lock:
            for key, state in seen.items():
                trail = self.states.setdefault(key, [])
                if not trail or trail[-1] != state:
                    trail.append(state)
            for key, trail in self.states.items():
                if key not in seen and trail[-1] != INACTIVE:
                    trail.append(INACTIVE)

    def trail(self, name: str, namespace: str) -> list[str]:
        with self.lock:
            return list(self.states.get((name, namespace), []))

    def active(self) -> list[Key]:
        with self.lock:
            return [k for k, t in self.states.items() if t[-1] != INACTIVE]

    def went_through(self, name: str, namespace: str, *states: str) -> bool:
        """Whether `states` occurred in this order (others may come between)."""
        trail = iter(self.trail(name, namespace))
        return all(state in trail for state in states)


@contextmanager
def recording(api: PrometheusApi, poll_s: float = 0.5) -> Iterator[AlertHistory]:
    history = AlertHistory()
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            alerts = api.alerts()
            history.observe({(a.name, a.labels.get("namespace", "")): a.state for a in alerts})
            stop.wait(poll_s)

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        yield history
    finally:
        stop.set()
        thread.join(timeout=10)
        history.observe({(a.name, a.labels.get("namespace", "")): a.state for a in api.alerts()})
