import io
import logging
from pathlib import Path

import pytest

from crpbot.secrets import EnvSource, FileSource, MissingSecretError, SecretStore
from crpbot.telemetry import configure_logging


def test_file_source_reads_mounted_secret_without_trailing_newline(tmp_path: Path) -> None:
    (tmp_path / "risk_token").write_text("abc123\n")
    assert FileSource(tmp_path).lookup("risk_token") == "abc123"
    assert FileSource(tmp_path).lookup("other") is None


def test_secret_store_first_source_wins(tmp_path: Path) -> None:
    (tmp_path / "risk_token").write_text("from-file")
    store = SecretStore(
        [EnvSource(environ={"CRPBOT_RISK_TOKEN": "from-env"}), FileSource(tmp_path)]
    )
    assert store.require("risk_token").get_secret_value() == "from-env"
    store = SecretStore([EnvSource(environ={}), FileSource(tmp_path)])
    assert store.require("risk_token").get_secret_value() == "from-file"


def test_secret_store_missing_names_sources_not_values(tmp_path: Path) -> None:
    store = SecretStore([EnvSource(environ={}), FileSource(tmp_path)])
    with pytest.raises(
        MissingSecretError, match=r"'telegram_token' not found \(looked in: env, file\)"
    ):
        store.require("telegram_token")


def test_secret_store_values_never_reach_logs_or_repr(tmp_path: Path) -> None:
    stream = io.StringIO()
    configure_logging("t", stream=stream)
    store = SecretStore([EnvSource(environ={"CRPBOT_RISK_TOKEN": "sup3r-s3cret-tok"})])
    token = store.require("risk_token")
    logging.getLogger("x").warning(
        "token is %s / %r / raw %s", token, token, token.get_secret_value()
    )
    assert "sup3r-s3cret-tok" not in stream.getvalue()
    assert "sup3r-s3cret-tok" not in repr(store.get("risk_token"))


def test_secret_store_caches_within_ttl() -> None:
    env = {"CRPBOT_K": "one"}
    now = [0.0]
    store = SecretStore([EnvSource(environ=env)], ttl_s=10, clock=lambda: now[0])
    assert store.require("k").get_secret_value() == "one"
    env["CRPBOT_K"] = "two"
    assert store.require("k").get_secret_value() == "one"
    now[0] = 11
    assert store.require("k").get_secret_value() == "two"
    env["CRPBOT_K"] = "three"
    store.invalidate("k")
    assert store.require("k").get_secret_value() == "three"
