"""The Telegram bot service: chat commands over `crpbot.services.bot_service.BotService`."""
