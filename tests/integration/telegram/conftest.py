"""The Bot API stand-in for the Telegram bot's process tests."""

from tests.fixtures.telegram_api import telegram_api_fixture  # noqa: F401  (fixture)
