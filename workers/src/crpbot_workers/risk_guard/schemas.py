"""Request and response bodies of the risk-guard HTTP API."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, FiniteFloat

from crpbot.risk import CheckRequest, Decision, GuardState, Side, Tier
from crpbot.services.risk_guard import EquityUpdate

AccountId = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:@-]+$")


class EquityBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account: str = AccountId
    balance: FiniteFloat = Field(gt=0)
    equity: FiniteFloat
    ts: AwareDatetime

    def to_domain(self) -> EquityUpdate:
        return EquityUpdate(self.account, self.balance, self.equity, self.ts)


class CheckBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account: str = AccountId
    symbol: str = Field(min_length=1, max_length=32, pattern=r"^[A-Z0-9]+(-[A-Z0-9]+)*$")
    side: Side
    entry: FiniteFloat = Field(gt=0)
    stop: FiniteFloat = Field(gt=0)
    confidence: FiniteFloat = Field(ge=0, le=1)
    tier: Tier
    ts: AwareDatetime

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


def state_payload(account: str, state: GuardState) -> dict[str, Any]:
    payload = asdict(state)
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
