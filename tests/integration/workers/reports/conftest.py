"""The observed day, filled once per module (tests/fixtures/observation.py)."""

from tests.fixtures.observation import observed

__all__ = ["observed"]
