"""The closed sets of values stored as text; CHECK constraints and records share them."""

from __future__ import annotations

from typing import Literal, get_args

Side = Literal["long", "short"]
Tier = Literal["high", "medium", "low"]
SignalStatus = Literal["approved", "rejected", "pending_risk", "error"]
OutcomeResult = Literal["won", "lost", "expired"]
ModelStage = Literal["candidate", "production", "archived"]

SIDES: tuple[str, ...] = get_args(Side)
TIERS: tuple[str, ...] = get_args(Tier)
SIGNAL_STATUSES: tuple[str, ...] = get_args(SignalStatus)
OUTCOME_RESULTS: tuple[str, ...] = get_args(OutcomeResult)
MODEL_STAGES: tuple[str, ...] = get_args(ModelStage)


def one_of(column: str, values: tuple[str, ...]) -> str:
    """SQL text of a CHECK that keeps `column` inside `values` (portable across backends)."""
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"
