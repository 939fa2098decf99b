"""Per-symbol exposure: the worst-case loss open on one product stays under a cap, so one
market's gap cannot take most of the day's allowance."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime

from crpbot.risk.account import AccountState, ApprovedSignal
from crpbot.risk.decision import Reason, RuleDecision
from crpbot.risk.limits import RiskLimits
from crpbot.risk.sizing import is_open


def symbol_open_risk(
    approved: Iterable[ApprovedSignal], symbol: str, now: datetime, limits: RiskLimits
) -> float:
    return math.fsum(s.risk for s in approved if s.symbol == symbol and is_open(s, now, limits))


def exposure_rule(
    symbol_risk: float, new_risk: float, state: AccountState, limits: RiskLimits
) -> RuleDecision:
    cap = state.initial_balance * limits.max_symbol_risk_pct / 100.0
    if symbol_risk + new_risk > cap:
        detail = f"open risk {symbol_risk:.2f} + {new_risk:.2f} exceeds symbol cap {cap:.2f}"
        return RuleDecision.rejected(Reason.SYMBOL_EXPOSURE, detail)
    return RuleDecision.passed()
