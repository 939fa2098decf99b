"""The `Notifier` seam: the scanner, the guard and the operator say `notify(alert)` and never
know which channel carries it, so a local run logs what production would send."""

from __future__ import annotations

import logging
from typing import Protocol

from crpbot.notify.alerts import Alert
from crpbot.notify.markdown import format_plain

log = logging.getLogger(__name__)


class Notifier(Protocol):
    """A channel for alerts; `notify` must not raise on delivery failure (it counts it)."""

    def notify(self, alert: Alert) -> None:
        """Hand over one alert for delivery."""
        ...


class LogNotifier:
    """Alerts as log lines, for local runs and the demo (no token, no network)."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self._log = logger or log

    def notify(self, alert: Alert) -> None:
        """Log the alert's text with its kind, so a local run shows what would be sent."""
        self._log.info(format_plain(alert), extra={"alert": type(alert).__name__, "channel": "log"})
