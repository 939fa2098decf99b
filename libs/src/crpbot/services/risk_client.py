"""HTTP client of the risk guard, for scanners running beside a remote guard.

Every way of not getting a clear answer (network error, timeout, 5xx, unreadable body, a
refused request) raises `RiskGuardUnavailable`, so a caller that catches it and emits
nothing fails closed. A check is never retried: if the first attempt reached the guard and
only the answer was lost, a retry would count the signal twice toward the rate limits.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import requests

from crpbot.risk import CheckRequest, FtmoStatus, GuardState, Reason
from crpbot.risk.batch import batch_order
from crpbot.scan.ports import CheckAnswer, RiskGuardRefusedError, RiskGuardUnavailable

_DATETIME_FIELDS = {"day_start", "cooldown_until"}


class RiskClient:
    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        connect_timeout_s: float = 2.0,
        read_timeout_s: float = 5.0,
        session: requests.Session | None = None,
        max_batch: int | None = None,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._max_batch = max_batch
        self._timeout = (connect_timeout_s, read_timeout_s)
        self._session = session or requests.Session()
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}

    def equity(self, account: str, balance: float, equity: float, ts: datetime) -> GuardState:
        body = {"account": account, "balance": balance, "equity": equity, "ts": ts.isoformat()}
        return parse_state(self._call("POST", "/v1/equity", json=body))

    def check(self, request: CheckRequest) -> CheckAnswer:
        return parse_answer(self._call("POST", "/v1/check", json=check_body(request)))

    def check_batch(self, requests: Sequence[CheckRequest]) -> list[CheckAnswer]:
        """The checks in the order the guard decides them (`batch_order`), in round trips of
        at most `max_batch` (the guard's `risk.max_batch_checks`, above which it answers 422;
        None: one round trip): each round trip sees the approvals of those before it, so the
        answers are those of one batch. Never retried, like `check`; a failure after the
        first round trip raises, and the caller fails closed on every check, though the guard
        kept the earlier ones."""
        order = batch_order(requests)
        size = self._max_batch or max(1, len(order))
        answers: dict[int, CheckAnswer] = {}
        for start in range(0, len(order), size):
            part = order[start : start + size]
            answers.update(zip(part, self._one_batch([requests[i] for i in part]), strict=True))
        return [answers[i] for i in range(len(requests))]

    def _one_batch(self, requests: Sequence[CheckRequest]) -> list[CheckAnswer]:
        body = {"checks": [check_body(r) for r in requests]}
        payload = self._call("POST", "/v1/check/batch", json=body)
        decisions = payload.get("decisions")
        if not isinstance(decisions, list) or len(decisions) != len(requests):
            raise RiskGuardUnavailable("unreadable batch answer: wrong number of decisions")
        return [parse_answer(d) for d in decisions]

    def state(self, account: str) -> GuardState:
        return parse_state(self._call("GET", "/v1/state", params={"account": account}))

    def close(self) -> None:
        self._session.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self._session.request(
                method, self._base + path, headers=self._headers, timeout=self._timeout, **kwargs
            )
        except requests.RequestException as exc:
            raise RiskGuardUnavailable(f"risk guard unreachable: {type(exc).__name__}") from exc
        if response.status_code >= 500:
            raise RiskGuardUnavailable(f"risk guard error {response.status_code}")
        payload = _json(response)
        if response.status_code >= 400:
            raise RiskGuardRefusedError(response.status_code, str(payload.get("detail", "")))
        return payload


def check_body(request: CheckRequest) -> dict[str, Any]:
    """The JSON of one check, as `/v1/check` and each item of `/v1/check/batch` take it."""
    return {"account": request.account, **request.order_fields(), "ts": request.ts.isoformat()}


def parse_answer(payload: object) -> CheckAnswer:
    """One decision from its JSON form."""
    if not isinstance(payload, dict):
        raise RiskGuardUnavailable("unreadable check answer: not an object")
    try:
        return CheckAnswer(
            approved=bool(payload["approved"]),
            reasons=tuple(Reason(r) for r in payload["reasons"]),
            size=float(payload["size"]),
            state=parse_state(payload["state"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise RiskGuardUnavailable(f"unreadable check answer: {exc}") from exc


def parse_state(payload: dict[str, Any]) -> GuardState:
    """Rebuild the guard's state record from its JSON form."""
    try:
        values = {f.name: payload[f.name] for f in dataclasses.fields(GuardState)}
        values["status"] = FtmoStatus(values["status"])
        for name in _DATETIME_FIELDS:
            raw = values[name]
            values[name] = None if raw is None else datetime.fromisoformat(raw)
        return GuardState(**values)
    except (KeyError, TypeError, ValueError) as exc:
        raise RiskGuardUnavailable(f"unreadable guard state: {exc}") from exc


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        payload = response.json()
    except ValueError as exc:
        raise RiskGuardUnavailable("risk guard answered with a non-JSON body") from exc
    if not isinstance(payload, dict):
        raise RiskGuardUnavailable("risk guard answered with an unexpected body")
    return payload
