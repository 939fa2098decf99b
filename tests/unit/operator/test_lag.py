"""The reconcile lag: which change of a TradingBot the reconcile answers, and how long ago."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import kopf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crpbot_operator.apply import FIELD_MANAGER
from crpbot_operator.lag import KOPF_MANAGER, measures, parse_time, reconcile_lag

OWN = (FIELD_MANAGER, KOPF_MANAGER)
NOW = datetime(2026, 12, 6, 12, 0, 10, 500000, tzinfo=UTC)
CREATED = "2026-12-06T11:00:00Z"


def _entry(manager: str, time: str | None, subresource: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"manager": manager, "operation": "Update", "fieldsType": "FieldsV1"}
    if time is not None:
        entry["time"] = time
    if subresource is not None:
        entry["subresource"] = subresource
    return entry


@pytest.mark.parametrize("managed_fields", [None, []])
def test_reconcile_lag_without_managed_fields_counts_from_creation(
    managed_fields: list[dict[str, Any]] | None,
) -> None:
    assert reconcile_lag(managed_fields, CREATED, OWN, NOW) == 3610.5


def test_reconcile_lag_is_unknown_without_managed_fields_or_creation_time() -> None:
    assert reconcile_lag(None, None, OWN, NOW) is None


def test_reconcile_lag_takes_the_newest_change_by_someone_else() -> None:
    managed = [
        _entry("kubectl-client-side-apply", "2026-12-06T12:00:00Z"),
        _entry("crpbot-telegram", "2026-12-06T12:00:07Z"),
        _entry("kubectl-edit", "2026-12-06T11:59:00Z"),
    ]
    assert reconcile_lag(managed, CREATED, OWN, NOW) == 3.5


def test_reconcile_lag_ignores_the_operators_own_and_status_writes() -> None:
    """Kopf's annotations and the status patches are newer, yet answer no change of the user."""
    managed = [
        _entry("kubectl-client-side-apply", "2026-12-06T12:00:00Z"),
        _entry(KOPF_MANAGER, "2026-12-06T12:00:10Z"),
        _entry(FIELD_MANAGER, "2026-12-06T12:00:09Z", subresource="status"),
        _entry("some-controller", "2026-12-06T12:00:08Z", subresource="status"),
    ]
    assert reconcile_lag(managed, CREATED, OWN, NOW) == 10.5


def test_reconcile_lag_is_unknown_when_only_the_operator_wrote() -> None:
    """Not the creation time: the object has changed since, by a write nobody recorded."""
    managed = [_entry(KOPF_MANAGER, "2026-12-06T12:00:00Z"), _entry(FIELD_MANAGER, CREATED)]
    assert reconcile_lag(managed, CREATED, OWN, NOW) is None


@pytest.mark.parametrize(
    ("stamp", "lag"),
    [
        ("2026-12-06T12:00:10Z", 0.5),
        ("2026-12-06T12:00:10.25Z", 0.25),
        ("2026-12-06T12:00:10.250000Z", 0.25),
        ("2026-12-06T12:00:10.25+00:00", 0.25),
        ("2026-12-06T13:00:09+01:00", 1.5),
        ("2026-12-06T12:00:09", 1.5),
    ],
    ids=["seconds", "fraction", "micro", "offset-zero", "offset-hour", "naive-is-utc"],
)
def test_reconcile_lag_reads_timestamps_with_and_without_fractions(stamp: str, lag: float) -> None:
    assert reconcile_lag([_entry("kubectl", stamp)], CREATED, OWN, NOW) == pytest.approx(lag)


@pytest.mark.parametrize("raw", [None, "", "yesterday", 1733486400])
def test_reconcile_lag_skips_an_entry_whose_time_is_not_a_timestamp(raw: Any) -> None:
    managed = [_entry("kubectl", "2026-12-06T12:00:00Z"), {"manager": "odd", "time": raw}]
    assert reconcile_lag(managed, CREATED, OWN, NOW) == 10.5
    assert parse_time(raw) is None


def test_reconcile_lag_clamps_a_change_from_the_future_to_zero() -> None:
    """The API server's clock ahead of the operator's: the wait was shorter than the skew."""
    ahead = (NOW + timedelta(seconds=3)).isoformat()
    assert reconcile_lag([_entry("kubectl", ahead)], CREATED, OWN, NOW) == 0.0


@given(
    offsets=st.lists(
        st.tuples(st.sampled_from(["kubectl", "helm", *OWN]), st.integers(-86400, 86400)),
        max_size=6,
    )
)
def test_reconcile_lag_is_never_negative_and_follows_the_newest_foreign_change(
    offsets: list[tuple[str, int]],
) -> None:
    managed = [_entry(manager, (NOW + timedelta(seconds=s)).isoformat()) for manager, s in offsets]
    lag = reconcile_lag(managed, CREATED, OWN, NOW)
    foreign = [s for manager, s in offsets if manager not in OWN]
    if not offsets:
        assert lag == 3610.5
    elif not foreign:
        assert lag is None
    else:
        assert lag == max(0.0, -float(max(foreign)))


@pytest.mark.parametrize(
    ("reason", "retry", "measured"),
    [
        (kopf.Reason.CREATE, 0, True),
        (kopf.Reason.UPDATE, 0, True),
        ("update", 0, True),
        (kopf.Reason.RESUME, 0, False),
        (kopf.Reason.CREATE, 1, False),
        (kopf.Reason.UPDATE, 3, False),
    ],
)
def test_measures_only_the_first_answer_to_a_fresh_change(
    reason: str, retry: int, measured: bool
) -> None:
    assert measures(reason, retry) is measured
