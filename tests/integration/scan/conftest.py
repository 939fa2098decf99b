"""The scanner on real parts (tests/unit/scan/conftest.py), here beside servers on loopback."""

from tests.unit.scan.conftest import (
    _one_thread,
    engine,
    eurusd,
    frames,
    make_scanner,
    model,
    notifier,
    now,
    sessions,
)

__all__ = [
    "_one_thread",
    "engine",
    "eurusd",
    "frames",
    "make_scanner",
    "model",
    "notifier",
    "now",
    "sessions",
]
