"""JSON-lines logging for every crpbot process.

Each line carries `ts`, `level`, `event`, `component`, `logger` and whatever context the caller
passed with `extra=`; everything goes through redaction last, so a secret in a message, an
exception or a context field never reaches the output. Inside an OpenTelemetry span a line
also carries `trace_id` and `span_id`, which joins the logs of one scan cycle to its trace.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, TextIO

from crpbot.telemetry.redact import redact_text, redact_value

_STANDARD_ATTRS = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys() | {"message", "asctime"}
)


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object per line, secrets redacted."""

    def __init__(self, component: str) -> None:
        super().__init__()
        self.component = component

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "event": redact_text(record.getMessage()),
            "component": getattr(record, "component", self.component),
            "logger": record.name,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and key not in payload:
                payload[key] = redact_value(key, value)
        payload.update(_trace_ids())
        if record.exc_info:
            payload["exc"] = redact_text(self.formatException(record.exc_info))
        return json.dumps(payload, default=str)


def _trace_ids() -> dict[str, str]:
    """Ids of the active span; looked up only once OpenTelemetry is loaded.

    A process that never imported `opentelemetry.trace` cannot be inside a span, and importing
    it here would slow every CLI start-up for nothing.
    """
    trace_api = sys.modules.get("opentelemetry.trace")
    if trace_api is None:
        return {}
    context = trace_api.get_current_span().get_span_context()
    if not context.is_valid:
        return {}
    return {
        "trace_id": format(context.trace_id, "032x"),
        "span_id": format(context.span_id, "016x"),
    }


class TextFormatter(logging.Formatter):
    """Human-readable lines for a terminal, with the same redaction."""

    def format(self, record: logging.LogRecord) -> str:
        return redact_text(super().format(record))


def resolve_format(fmt: str, stream: TextIO) -> str:
    """`auto` means text when a person reads `stream` (a terminal), JSON lines otherwise."""
    if fmt != "auto":
        return fmt
    isatty = getattr(stream, "isatty", None)
    return "text" if callable(isatty) and isatty() else "json"


def configure_logging(
    component: str,
    level: str = "INFO",
    fmt: str = "json",
    stream: TextIO | None = None,
) -> logging.Handler:
    """Route the root logger to one handler on `stream` (stderr by default); idempotent.

    `fmt` is `json`, `text` or `auto` (see `resolve_format`); both formatters mask secrets."""
    target = stream or sys.stderr
    handler = logging.StreamHandler(target)
    if resolve_format(fmt, target) == "json":
        handler.setFormatter(JsonFormatter(component))
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_crpbot", False)]:
        root.removeHandler(old)
    handler._crpbot = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread
    return handler


def logging_setup() -> tuple[str, str]:
    """(level, format) of the root logger as `configure_logging` left it, for a child process
    that must log the same way (a spawned process starts with no handlers)."""
    root = logging.getLogger()
    level = logging.getLevelName(root.level)
    for handler in root.handlers:
        if getattr(handler, "_crpbot", False):
            return level, "json" if isinstance(handler.formatter, JsonFormatter) else "text"
    return level, "json"


def _log_uncaught(
    kind: type[BaseException], error: BaseException, trace: TracebackType | None
) -> None:
    """An exception nobody caught ends in the log, redacted, not raw on stderr: a library's
    message may quote a secret (python-telegram-bot names a refused token in full)."""
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, trace)
        return
    logging.getLogger("crpbot.uncaught").critical(
        "uncaught exception", exc_info=(kind, error, trace)
    )


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None:
        _log_uncaught(args.exc_type, args.exc_value, args.exc_traceback)
