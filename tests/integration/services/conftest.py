"""The long-running services' real entry points need a model artifact and the Bot API stand-in."""

from tests.fixtures.scan_env import model_dir
from tests.fixtures.telegram_api import telegram_api_fixture

__all__ = ["model_dir", "telegram_api_fixture"]
