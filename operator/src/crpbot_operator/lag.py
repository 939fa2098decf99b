"""How long a TradingBot's change waited before the operator's reconcile began on it.

The object itself says when it last changed: the API server stamps each field manager's
`metadata.managedFields` entry with the time of that manager's latest change. The newest
entry of someone other than the operator is the change the reconcile answers (the operator's
own writes, through Kopf's annotations or its status patches, never ask for a reconcile).
The lag therefore spans the watch's delivery, Kopf's batching window and the wait for a free
handler thread: what a user sees between `kubectl apply` and the operator acting.

The API server stores these times to the second, so a lag reads up to a second long; the
histogram's buckets are sized for seconds, not milliseconds.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

# Kopf sends no `fieldManager`, so the API server names its writes after the first part of
# its User-Agent `kopf/<version>`.
KOPF_MANAGER = "kopf"
# A retry waits out the operator's backoff, a resume reads a change made long before the
# operator started: neither is the wait of a fresh change, so only these are measured.
MEASURED_REASONS = frozenset({"create", "update"})


def parse_time(raw: object) -> datetime | None:
    """An API server timestamp (`...Z`, with or without a fraction) as an aware datetime;
    None for anything else, so one odd entry cannot fail a reconcile."""
    if not isinstance(raw, str):
        return None
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def last_foreign_change(
    managed_fields: Iterable[Mapping[str, Any]] | None, own_managers: Collection[str]
) -> datetime | None:
    """The newest change of the object's main resource by anyone but the operator.

    Entries of a subresource (`status`) are skipped: no status write asks for a reconcile.
    """
    times = [
        parse_time(entry.get("time"))
        for entry in managed_fields or ()
        if entry.get("manager") not in own_managers and not entry.get("subresource")
    ]
    known = [t for t in times if t is not None]
    return max(known, default=None)


def reconcile_lag(
    managed_fields: Iterable[Mapping[str, Any]] | None,
    creation_timestamp: object,
    own_managers: Collection[str],
    now: datetime,
) -> float | None:
    """Seconds from the bot's latest foreign change (its creation when it has no
    `managedFields` at all) to `now`; None when nothing says when the change was made
    (only the operator's own entries), rather than a figure that measures something else.

    A change stamped after `now` means the API server's clock runs ahead of the operator's:
    the wait was shorter than the skew can show, so it counts as 0 instead of a negative
    observation that would lower the histogram's sum.
    """
    entries = list(managed_fields or ())
    if entries:
        changed = last_foreign_change(entries, own_managers)
    else:
        changed = parse_time(creation_timestamp)
    if changed is None:
        return None
    return max(0.0, (now - changed).total_seconds())


def measures(reason: str, retry: int) -> bool:
    """Whether a reconcile's start is the first answer to a fresh change."""
    return reason in MEASURED_REASONS and retry == 0
