"""Telemetry: JSON logs with secret redaction, metrics, stage spans, health routes.

Only the logging names are re-exported: every process configures logging at start-up, while
metrics (`crpbot.telemetry.metrics`), tracing (`.tracing`) and health routes (`.health`) pull
in the OpenTelemetry SDK and FastAPI, which a short CLI command should not pay for.
"""

from crpbot.telemetry.logs import JsonFormatter, configure_logging, logging_setup
from crpbot.telemetry.redact import redact_text, redact_value, register_secret

__all__ = [
    "JsonFormatter",
    "configure_logging",
    "logging_setup",
    "redact_text",
    "redact_value",
    "register_secret",
]
