import io
import json
import logging
import os
from collections.abc import Iterator
from typing import TextIO

import pytest

from crpbot.telemetry import configure_logging, register_secret


@pytest.fixture
def log_stream() -> io.StringIO:
    stream = io.StringIO()
    configure_logging("test", level="DEBUG", fmt="json", stream=stream)
    return stream


FORMATS = [
    ("auto", True, "text"),
    ("auto", False, "json"),
    ("json", True, "json"),
    ("text", False, "text"),
]


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_logs_carry_standard_fields_and_context(log_stream: io.StringIO) -> None:
    logging.getLogger("crpbot.scan").info("cycle done", extra={"symbol": "BTC-USD", "n": 3})
    (line,) = _lines(log_stream)
    assert line["event"] == "cycle done"
    assert line["level"] == "info"
    assert line["component"] == "test"
    assert line["logger"] == "crpbot.scan"
    assert line["symbol"] == "BTC-USD" and line["n"] == 3
    assert str(line["ts"]).endswith("+00:00")


@pytest.mark.parametrize(
    ("message", "leaked"),
    [
        ("auth header Bearer abc.def-ghi_123", "abc.def-ghi_123"),
        ("db postgresql://bot:hunter2@db:5432/x", "hunter2"),
        ("jwt eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJrZXkifQ.c2lnbmF0dXJl", "eyJzdWIiOiJrZXkifQ"),
        ("key -----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----", "MHcCAQEE"),
        ("bot 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0 failed", "AAHdqTcvCH1vGWJxfSeofSAs0K5"),
    ],
)
def test_json_logs_redact_secret_shapes(log_stream: io.StringIO, message: str, leaked: str) -> None:
    logging.getLogger("x").warning(message)
    out = log_stream.getvalue()
    assert leaked not in out
    assert "[REDACTED]" in out


def test_json_logs_redact_registered_secrets_everywhere(log_stream: io.StringIO) -> None:
    register_secret("s3cr3t-value-xyz")
    try:
        raise RuntimeError("failed with s3cr3t-value-xyz")
    except RuntimeError:
        logging.getLogger("x").exception(
            "call s3cr3t-value-xyz", extra={"detail": "s3cr3t-value-xyz"}
        )
    assert "s3cr3t-value-xyz" not in log_stream.getvalue()
    (line,) = _lines(log_stream)
    assert "RuntimeError" in str(line["exc"])


def test_json_logs_redact_secret_named_context_keys(log_stream: io.StringIO) -> None:
    logging.getLogger("x").info(
        "request",
        extra={"headers": {"Authorization": "opaque-value", "accept": "json"}, "token": "t0k3n"},
    )
    (line,) = _lines(log_stream)
    assert line["headers"] == {"Authorization": "[REDACTED]", "accept": "json"}
    assert line["token"] == "[REDACTED]"


def test_configure_logging_is_idempotent() -> None:
    first, second = io.StringIO(), io.StringIO()
    configure_logging("a", stream=first)
    configure_logging("b", stream=second)
    logging.getLogger("y").warning("once")
    assert first.getvalue() == ""
    assert len(second.getvalue().splitlines()) == 1


@pytest.fixture
def terminal() -> Iterator[tuple[TextIO, int]]:
    """A real pseudo-terminal: the writer end is a TTY, the reader end shows what it got."""
    reader, writer = os.openpty()
    stream = os.fdopen(writer, "w", buffering=1)
    yield stream, reader
    stream.close()
    os.close(reader)


@pytest.mark.parametrize(("fmt", "on_terminal", "expected"), FORMATS)
def test_log_format_auto_is_text_on_a_terminal_and_json_elsewhere(
    terminal: tuple[TextIO, int], fmt: str, on_terminal: bool, expected: str
) -> None:
    stream, reader = terminal
    target: TextIO = stream if on_terminal else io.StringIO()
    configure_logging("t", level="INFO", fmt=fmt, stream=target)
    logging.getLogger("crpbot.x").warning("hello %s", "there")
    text = os.read(reader, 4096).decode() if on_terminal else target.getvalue()
    line = text.strip().splitlines()[-1]
    if expected == "json":
        assert json.loads(line)["event"] == "hello there"
    else:
        assert line.endswith(" WARNING crpbot.x: hello there")


@pytest.mark.parametrize("fmt", ["json", "text", "auto"])
def test_every_log_format_masks_registered_secrets(fmt: str) -> None:
    register_secret("s3cr3t-value-for-format")
    stream = io.StringIO()
    configure_logging("t", level="INFO", fmt=fmt, stream=stream)
    logging.getLogger("crpbot.x").error("token is s3cr3t-value-for-format")
    assert "s3cr3t-value-for-format" not in stream.getvalue()
    assert "[REDACTED]" in stream.getvalue()
