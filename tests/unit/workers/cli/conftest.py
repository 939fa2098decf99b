"""CLI fixtures: the scanner's artifact and settings (see tests/fixtures/scan_env.py)."""

from tests.fixtures.scan_env import model_dir, scan_env, scan_settings

__all__ = ["model_dir", "scan_env", "scan_settings"]
