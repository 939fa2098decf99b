"""Every secret a settings object holds, in each form it may take in a log line.

The settings model is walked for `SecretStr` values, so a secret field added later is
redacted without anyone remembering to register it. A value is registered as given and in
the forms it takes once it is taken apart or quoted: the password of a URL (from its
userinfo and from query parameters such as `password=` or `sslpassword=`, raw and
percent-decoded), each long line of a multi-line key, the line-escaped form a `repr` shows.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, SecretStr

from crpbot.telemetry.redact import MIN_SECRET_LENGTH, SECRET_NAME, register_secret

AWS_SECRET_ENV = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
"""Credentials boto3 reads from the environment beside the settings."""


def secret_settings(model: BaseModel, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(dotted name, raw value) of every set `SecretStr` in `model` and its sub-models."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        dotted = f"{prefix}{name}"
        if isinstance(value, SecretStr):
            yield dotted, value.get_secret_value()
        elif isinstance(value, BaseModel):
            yield from secret_settings(value, prefix=f"{dotted}.")


def url_secrets(raw: str) -> set[str]:
    """The password parts of a URL: userinfo password and secret-named query parameters,
    as written and percent-decoded."""
    try:
        parts = urlsplit(raw)
        password = parts.password
    except ValueError:
        return set()
    found = {password} if password else set()
    for piece in parts.query.split("&"):
        name, _, value = piece.partition("=")
        if value and SECRET_NAME.search(name):
            found.add(value)
    return found | {unquote(value) for value in found}


def secret_forms(raw: str) -> set[str]:
    """`raw` and the pieces of it that may show up on their own.

    A URL without a password (`sqlite:///var/crpbot.db`) holds nothing secret: masking it
    would only hide which database a log line is about.
    """
    value = raw.strip()
    if "://" in value:
        pieces = url_secrets(value)
        forms = pieces | {raw, value} if pieces else set()
    else:
        forms = {raw, value, raw.replace("\n", "\\n")}
        forms |= {
            line.strip()
            for line in raw.splitlines()
            if len(line.strip()) >= 16 and not line.startswith("-----")
        }
    return {form for form in forms if len(form) >= MIN_SECRET_LENGTH}


def register_settings_secrets(model: BaseModel) -> None:
    """Register every secret of `model` (and the AWS credentials in the environment) with the
    log redactor; called whenever settings are built, so no process can forget it."""
    values = [raw for _, raw in secret_settings(model)]
    values += [os.environ[name] for name in AWS_SECRET_ENV if os.environ.get(name)]
    for raw in values:
        for form in secret_forms(raw):
            register_secret(form)
