"""Risk rules: FTMO floors, sizing, rate limits, exposure, cooldown, and the guard composing
them. Pure functions of plain data with the event time passed in; no I/O, no database."""

from crpbot.risk.account import (
    AccountState,
    ApprovedSignal,
    ClosedResult,
    EquityPoint,
    History,
)
from crpbot.risk.decision import Reason, RuleDecision
from crpbot.risk.ftmo import FtmoStatus
from crpbot.risk.guard import Decision, GuardState, check, describe
from crpbot.risk.limits import Phase, RiskLimits
from crpbot.risk.request import CheckRequest, Side, Tier

__all__ = [
    "AccountState",
    "ApprovedSignal",
    "CheckRequest",
    "ClosedResult",
    "Decision",
    "EquityPoint",
    "FtmoStatus",
    "GuardState",
    "History",
    "Phase",
    "Reason",
    "RiskLimits",
    "RuleDecision",
    "Side",
    "Tier",
    "check",
    "describe",
]
