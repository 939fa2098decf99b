"""Many checks in one go: the order they are decided in, and each one seeing the approvals
decided before it.

A batch is decided exactly as the same checks sent one by one in that order would be, so a
scanner asking about its whole cycle at once gets the answers it would have got symbol by
symbol. The order is deterministic and independent of how the caller happened to list
accounts: accounts by id (also the order their locks are taken, so two replicas locking
overlapping batches cannot deadlock), then each account's checks by event time, checks at the
same time in the order sent (a scanner lists its symbols in its configured order, the order
it used to ask them one by one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from itertools import groupby

from crpbot.risk.account import AccountState, ApprovedSignal, History
from crpbot.risk.guard import Decision, after_approval, check
from crpbot.risk.limits import RiskLimits
from crpbot.risk.request import CheckRequest


def batch_order(requests: Sequence[CheckRequest]) -> list[int]:
    """Positions of `requests` in the order they are decided (see the module docstring)."""
    return sorted(range(len(requests)), key=lambda i: (requests[i].account, requests[i].ts))


def runs(requests: Sequence[CheckRequest], order: Sequence[int]) -> list[list[int]]:
    """`order` cut where the account or the event time changes: each run shares one state."""
    return [
        list(group)
        for _, group in groupby(order, key=lambda i: (requests[i].account, requests[i].ts))
    ]


def check_in_turn(
    requests: Sequence[CheckRequest],
    state: AccountState,
    history: History,
    now: datetime,
    limits: RiskLimits,
) -> list[Decision]:
    """Decide `requests` (one account, event time `now`) one after the other: an approval
    counts toward the rate limits, open risk and trading days of every later one, exactly as
    storing it and reading the account again would make it."""
    decisions: list[Decision] = []
    for request in requests:
        decision = check(request, state, history, now, limits)
        decisions.append(decision)
        if decision.approved:
            risk = decision.size * request.stop_distance
            approval = ApprovedSignal(request.ts, request.symbol, request.tier, risk)
            history = replace(history, approved=[*history.approved, approval])
            state = after_approval(state)
    return decisions
