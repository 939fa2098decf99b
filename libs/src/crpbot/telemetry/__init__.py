"""Telemetry: JSON logs with secret redaction (metrics and traces join here later)."""

from crpbot.telemetry.logs import JsonFormatter, configure_logging
from crpbot.telemetry.redact import redact_text, redact_value, register_secret

__all__ = ["JsonFormatter", "configure_logging", "redact_text", "redact_value", "register_secret"]
