"""No secret the settings hold reaches a log line, in any format, in any form.

The settings are built the way every process builds them (`load_settings`, from `CRPBOT_*`
variables), then each secret is logged as a message argument, as context, inside an
`Authorization` header, in an exception's message and traceback, and as an exception nobody
caught. The secret settings are enumerated from the model, so a new `SecretStr` field is
covered here without a new test.
"""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator

import pytest

from crpbot.config import Settings, load_settings
from crpbot.config.secret_values import secret_forms, secret_settings, url_secrets
from crpbot.telemetry import configure_logging
from crpbot.telemetry.redact import redact_text
from tests.fixtures.secret_settings import SecretSetting
from tests.fixtures.secret_settings import secret_settings as secret_setting_values

SECRETS = secret_setting_values()


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.delenv("CRPBOT_CONFIG_FILE", raising=False)
    for secret in SECRETS:
        monkeypatch.setenv(secret.env, secret.value)
    return load_settings()


@pytest.fixture(params=["json", "text"])
def log_stream(request: pytest.FixtureRequest) -> Iterator[io.StringIO]:
    stream = io.StringIO()
    hooks = sys.excepthook
    configure_logging("test", level="DEBUG", fmt=request.param, stream=stream)
    yield stream
    sys.excepthook = hooks


def _fail_with(value: str) -> None:
    try:
        raise ValueError(f"connect to guard with {value!r} refused")
    except ValueError as exc:
        raise RuntimeError(f"cycle failed: {value}") from exc


def _log_every_way(value: str) -> None:
    log = logging.getLogger("crpbot.test")
    log.warning("using %s", value)
    log.info("call", extra={"detail": value, "header": f"Authorization: Bearer {value}"})
    log.info("Bearer %s sent", value)
    try:
        _fail_with(value)
    except RuntimeError:
        log.exception("scan failed")
    try:
        _fail_with(value)
    except RuntimeError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)


def test_every_secret_field_is_enumerated_and_set(settings: Settings) -> None:
    names = {name for name, _ in secret_settings(settings)}
    assert names == {secret.path for secret in SECRETS}
    assert {"risk_token", "database_url", "coinbase_api_key", "telegram_token"} <= names


@pytest.mark.parametrize("secret", SECRETS, ids=[s.path for s in SECRETS])
def test_logs_never_show_a_secret_setting(
    settings: Settings, log_stream: io.StringIO, secret: SecretSetting
) -> None:
    _log_every_way(secret.value)
    out = log_stream.getvalue()
    assert "cycle failed" in out and "Traceback" in out
    for marker in secret.markers:
        assert marker not in out


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u:pw@h/db?password=pw2", {"pw", "pw2"}),
        ("postgresql://u:p%40ss@h/db", {"p%40ss", "p@ss"}),
        ("postgresql://u@h/db?sslpassword=k3y&sslmode=require", {"k3y"}),
        ("sqlite:///var/crpbot.db", set()),
    ],
)
def test_url_secrets_finds_userinfo_and_query_passwords(url: str, expected: set[str]) -> None:
    assert url_secrets(url) == expected


def test_secret_forms_include_each_line_of_a_key_but_no_pem_armour() -> None:
    pem = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBody0123456789\n-----END EC PRIVATE KEY-----\n"
    forms = secret_forms(pem)
    assert "MHcCAQEEIBody0123456789" in forms
    assert pem.replace("\n", "\\n") in forms
    assert "-----BEGIN EC PRIVATE KEY-----" not in forms


def test_a_short_query_password_is_masked_by_its_shape() -> None:
    line = redact_text("engine postgresql://u@h/db?sslmode=require&password=pw2 failed")
    assert "pw2" not in line and "sslmode=require" in line


def test_aws_credentials_in_the_environment_are_redacted_too(
    monkeypatch: pytest.MonkeyPatch, log_stream: io.StringIO
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "awsS3cretK3y/abc+def")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "awsSessi0nT0ken")
    Settings()
    logging.getLogger("boto").warning(
        "signing with awsS3cretK3y/abc+def and awsSessi0nT0ken for AKIAIOSFODNN7EXAMPLE"
    )
    out = log_stream.getvalue()
    assert "awsS3cretK3y" not in out and "awsSessi0nT0ken" not in out
    assert "AKIAIOSFODNN7EXAMPLE" not in out
