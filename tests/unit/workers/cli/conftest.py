"""CLI fixtures: the scanner's artifact and settings (see tests/fixtures/scan_env.py)."""

from tests.fixtures.scan_env import model_dir, scan_env, scan_settings
from tests.fixtures.telegram_api import telegram_api_fixture

__all__ = ["model_dir", "scan_env", "scan_settings", "telegram_api_fixture"]
