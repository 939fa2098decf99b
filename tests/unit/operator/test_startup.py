"""The retry delay of a failed reconcile: Kopf's minute unless CRPBOT_RECONCILE_RETRY_SECONDS
says otherwise."""

from __future__ import annotations

import pytest

from crpbot_operator.handlers.startup import RETRY_SECONDS, reconcile_retry_delay


@pytest.mark.parametrize(
    "env", [{}, {"CRPBOT_RECONCILE_RETRY_SECONDS": ""}], ids=["unset", "empty"]
)
def test_reconcile_retry_delay_defaults_to_a_minute(env: dict[str, str]) -> None:
    assert reconcile_retry_delay(env) == RETRY_SECONDS == 60.0


def test_reconcile_retry_delay_reads_the_variable() -> None:
    assert reconcile_retry_delay({"CRPBOT_RECONCILE_RETRY_SECONDS": "0.5"}) == 0.5


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "must be positive, not 0"),
        ("-3", "must be positive, not -3"),
        ("soon", "must be a number of seconds, not 'soon'"),
    ],
)
def test_reconcile_retry_delay_refuses_a_bad_value(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"CRPBOT_RECONCILE_RETRY_SECONDS {message}"):
        reconcile_retry_delay({"CRPBOT_RECONCILE_RETRY_SECONDS": value})
