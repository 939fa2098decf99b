"""Request and response bodies of the risk-guard HTTP API.

Numbers are strict: a JSON `true` is not a confidence of 1.0 and a string is not a price, since
a lenient reading turns a client's bug into a confident decision. Money and prices are finite
and bounded (`MAX_AMOUNT`, `MIN_PRICE`), because an absurd balance makes the loss floors
infinite (the account could never be halted) and an absurd price makes a size overflow.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from crpbot.risk import CheckRequest, Decision, GuardState, Side, Tier
from crpbot.services.risk_guard import EquityUpdate

MAX_AMOUNT = 1e12
"""Largest balance, equity or price accepted: far above any account, far below overflow."""
MIN_PRICE = 1e-9
"""Smallest price accepted: a smaller stop distance would size a position to infinity."""
EARLIEST_TS = datetime(1970, 1, 1, tzinfo=UTC)
"""Oldest event time accepted; older ones are typos, and near year 1 date arithmetic fails."""

ACCOUNT_PATTERN = r"^[A-Za-z0-9_.:@-]+$"
AccountId = Field(min_length=1, max_length=64, pattern=ACCOUNT_PATTERN)


def _number(low: float, *, strict_low: bool) -> Any:
    if strict_low:
        return Field(strict=True, allow_inf_nan=False, gt=low, le=MAX_AMOUNT)
    return Field(strict=True, allow_inf_nan=False, ge=low, le=MAX_AMOUNT)


def _text_only(value: object) -> object:
    """A number is not an ISO 8601 time: epoch seconds would be read in an unknown unit."""
    if not isinstance(value, str | datetime):
        raise ValueError("must be an ISO 8601 string with a timezone")
    return value


def _in_range(value: datetime) -> datetime:
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        raise ValueError("out of range once converted to UTC") from None
    if utc < EARLIEST_TS:
        raise ValueError(f"before {EARLIEST_TS.isoformat()}")
    return utc


EventTime = Annotated[AwareDatetime, BeforeValidator(_text_only), AfterValidator(_in_range)]
Money = Annotated[float, _number(0.0, strict_low=False)]
Balance = Annotated[float, _number(0.0, strict_low=True)]
Price = Annotated[float, _number(MIN_PRICE, strict_low=False)]
Confidence = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0, le=1)]


class EquityBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account: str = AccountId
    balance: Balance
    equity: Money
    ts: EventTime

    def to_domain(self) -> EquityUpdate:
        return EquityUpdate(self.account, self.balance, self.equity, self.ts)


class CheckBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account: str = AccountId
    symbol: str = Field(min_length=1, max_length=32, pattern=r"^[A-Z0-9]+(-[A-Z0-9]+)*$")
    side: Side
    entry: Price
    stop: Price
    confidence: Confidence
    tier: Tier
    ts: EventTime

    def to_domain(self) -> CheckRequest:
        return CheckRequest(
            self.account,
            self.symbol,
            self.side,
            self.entry,
            self.stop,
            self.confidence,
            self.tier,
            self.ts,
        )


MAX_BATCH_CHECKS = 10_000
"""Hard ceiling of `risk.max_batch_checks`: what the schema itself accepts."""
DEFAULT_MAX_BATCH_CHECKS = 1000
"""Default checks per `/v1/check/batch` request: a whole exchange's USD products (about 300 on
Coinbase) with room to spare, while one request still holds the account's lock briefly."""
BATCH_ITEM_BYTES = 512
"""Body bytes allowed per check in a batch: a check's JSON is about 200 bytes, so the batch
endpoint's body cap is `max_batch_checks` x 512 (512 KiB at the default)."""


class CheckBatchBody(BaseModel):
    """`POST /v1/check/batch`: many checks, decided in one transaction (see
    `RiskGuardService.check_batch` for the order)."""

    model_config = ConfigDict(extra="forbid")

    checks: list[CheckBody] = Field(min_length=1, max_length=MAX_BATCH_CHECKS)

    def to_domain(self) -> list[CheckRequest]:
        return [check.to_domain() for check in self.checks]


_STATE_FIELDS = tuple(f.name for f in fields(GuardState))


def state_payload(account: str, state: GuardState) -> dict[str, Any]:
    """Flat fields copied as they are (`asdict`'s deep copy was a tenth of a check's CPU)."""
    payload = {name: getattr(state, name) for name in _STATE_FIELDS}
    payload["status"] = str(state.status)
    payload["day_start"] = state.day_start.isoformat()
    payload["cooldown_until"] = (
        None if state.cooldown_until is None else state.cooldown_until.isoformat()
    )
    return {"account": account, **payload}


def decision_payload(account: str, decision: Decision) -> dict[str, Any]:
    return {
        "approved": decision.approved,
        "reasons": [str(r) for r in decision.reasons],
        "size": decision.size,
        "state": state_payload(account, decision.state),
    }


IsoTime = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
"""Served as `datetime.isoformat()` gives it (`+00:00`), as clients have always read it."""


class StateOut(BaseModel):
    """`GET /v1/state` and `POST /v1/equity`: the account as of its newest event time."""

    account: str
    status: str
    initial_balance: float
    balance: float
    equity: float
    day_start: IsoTime
    day_start_balance: float
    daily_floor: float
    total_floor: float
    target_balance: float
    trading_days: int
    open_risk: float
    headroom: float
    signals_last_hour: int
    high_tier_last_hour: int
    cooldown_until: IsoTime | None


class DecisionOut(BaseModel):
    """`POST /v1/check`: the decision; `state` already counts an approval."""

    approved: bool
    reasons: list[str]
    size: float
    state: StateOut


class DecisionsOut(BaseModel):
    """`POST /v1/check/batch`: one decision per check, in the order the checks were sent."""

    decisions: list[DecisionOut]


class Problem(BaseModel):
    """Every refusal: a one-line reason (`errors` lists each field's reason on a 422)."""

    detail: str
    errors: list[str] | None = None


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The refusals an endpoint documents in its OpenAPI schema (what clients must handle)."""
    return {code: {"model": Problem, "description": _MEANING[code]} for code in codes}


_MEANING = {
    400: "Malformed request (e.g. an invalid Content-Length).",
    401: "Missing or invalid bearer token.",
    404: "Unknown account: post /v1/equity first.",
    409: "Event time older than the newest one seen for the account.",
    413: "Request body over the size limit.",
    422: "Invalid field, or an event time too far ahead of the guard's clock or out of range.",
    503: "The guard's database is unavailable.",
}
