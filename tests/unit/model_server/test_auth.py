from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crpbot_model_server.auth import (
    INSECURE_ENV,
    KEY_ENV,
    MIN_KEY_LENGTH,
    AuthConfigError,
    KeyCheck,
    load_key_check,
)

KEY = "k" * MIN_KEY_LENGTH


def test_load_key_check_takes_the_key_from_the_environment() -> None:
    check = load_key_check({KEY_ENV: f"  {KEY}\n"})
    assert check.key == KEY.encode()
    assert check.allows({"Authorization": f"Bearer {KEY}"})


@pytest.mark.parametrize("environ", [{}, {KEY_ENV: ""}, {KEY_ENV: "   "}, {INSECURE_ENV: "0"}])
def test_load_key_check_refuses_to_start_without_a_key(environ: dict[str, str]) -> None:
    with pytest.raises(AuthConfigError, match=f"{KEY_ENV} is not set.*{INSECURE_ENV}=1"):
        load_key_check(environ)


def test_load_key_check_refuses_a_short_key() -> None:
    with pytest.raises(AuthConfigError, match="shorter than"):
        load_key_check({KEY_ENV: "k" * (MIN_KEY_LENGTH - 1)})


@pytest.mark.parametrize("flag", ["1", "true", "YES"])
def test_load_key_check_runs_open_only_with_the_explicit_insecure_flag(flag: str) -> None:
    check = load_key_check({INSECURE_ENV: flag})
    assert check.key is None
    assert check.allows({})


def test_load_key_check_prefers_the_key_over_the_insecure_flag() -> None:
    check = load_key_check({KEY_ENV: KEY, INSECURE_ENV: "1"})
    assert not check.allows({})


@given(st.text(max_size=64))
def test_key_check_allows_only_the_exact_key(presented: str) -> None:
    check = KeyCheck(KEY.encode())
    assert check.allows({"authorization": f"Bearer {presented}"}) == (presented.strip() == KEY)
