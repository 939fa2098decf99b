"""The guard app's fixtures, shared with the unit tests of the same app."""

from tests.unit.workers.risk_guard.conftest import engine, equity_body

__all__ = ["engine", "equity_body"]
