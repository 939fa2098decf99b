"""Readiness: the named dependency checks behind `/readyz` and the bot's `/health`.

Kept apart from the HTTP routes (`crpbot.telemetry.health`) so services that only report
readiness, like the Telegram bot's `/health` command, need no web framework.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from crpbot.telemetry.redact import redact_text

log = logging.getLogger(__name__)

Check = Callable[[], bool]


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One dependency's state; `detail` says why it failed (secrets redacted)."""

    name: str
    ok: bool
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ReadinessReport:
    """Every dependency's state at one moment."""

    checks: tuple[CheckResult, ...]

    @property
    def ready(self) -> bool:
        """True when no dependency is down (also with no dependencies at all)."""
        return all(check.ok for check in self.checks)

    @property
    def failing(self) -> tuple[str, ...]:
        """Names of the dependencies that are down."""
        return tuple(check.name for check in self.checks if not check.ok)


def _run(name: str, check: Check) -> CheckResult:
    try:
        ok = bool(check())
    except Exception as exc:
        detail = redact_text(f"{type(exc).__name__}: {exc}")
        log.warning("readiness check failed", extra={"dependency": name, "error": detail})
        return CheckResult(name, False, detail)
    return CheckResult(name, ok, "" if ok else "check returned false")


class Readiness:
    """Named dependency checks, run on every `/readyz` request; keep each check quick.

    A check is a callable returning True when its dependency is usable; raising counts as
    down. `set` covers dependencies whose state is pushed by a watcher instead of polled.
    """

    def __init__(self) -> None:
        self._checks: dict[str, Check] = {}
        self._lock = threading.Lock()

    def register(self, name: str, check: Check) -> None:
        """Add or replace the check of dependency `name`."""
        with self._lock:
            self._checks[name] = check

    def set(self, name: str, ok: bool) -> None:
        """Record the pushed state of dependency `name`."""
        self.register(name, lambda: ok)

    def report(self) -> ReadinessReport:
        """Run every check now."""
        with self._lock:
            checks = list(self._checks.items())
        return ReadinessReport(tuple(_run(name, check) for name, check in checks))
