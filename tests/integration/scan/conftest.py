"""Scan process fixtures: the artifact and settings (see tests/fixtures/scan_env.py)."""

from tests.fixtures.scan_env import model_dir, scan_env

__all__ = ["model_dir", "scan_env"]
