"""A replay's trades in R after costs, per confidence tier (`crpbot.skill.expectancy`).

How a trade ended maps onto the one win rate: a target exit is won, a stop exit lost, any
other close (expiry, a loss-limit halt, the end of the data) decided nothing. Its R after
costs is its P/L (fees and slippage already paid) over its initial risk |fill − stop| × size;
its cost in R is the fees plus the slippage paid on both fills over that same risk.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from crpbot.skill.expectancy import Expectancy, Result, TradeR, by_tier, summarize

ALL_TIERS = "all"
_RESULTS: dict[str, Result] = {"target": "won", "stop": "lost"}


def trade_tiers(signals: pd.DataFrame, rows: pd.Series) -> npt.NDArray[np.object_]:
    """Each trade's tier from the signal table's `tier` column (`ALL_TIERS` without one)."""
    by_lower = {str(col).strip().lower(): col for col in signals.columns}
    if "tier" not in by_lower:
        return np.full(len(rows), ALL_TIERS, dtype=object)
    tiers = signals[by_lower["tier"]].astype(str).str.strip().str.lower()
    picked: npt.NDArray[np.object_] = tiers.to_numpy(dtype=object)[rows.to_numpy(dtype=np.int64)]
    return picked


def trades_in_r(trades: pd.DataFrame, slippage: float) -> list[tuple[str, TradeR]]:
    """(tier, trade in R after costs) of every closed trade, in the table's order."""
    risk = (trades["entry_price"] - trades["stop"]).abs() * trades["size"]
    slipped = slippage * (trades["entry_price"] + trades["exit_price"]) * trades["size"]
    cost = (trades["fees"] + slipped) / risk
    reward = (trades["target"] - trades["entry_price"]).abs() / (
        trades["entry_price"] - trades["stop"]
    ).abs()
    tiers = trades["tier"] if "tier" in trades else pd.Series(ALL_TIERS, index=trades.index)
    return [
        (str(tier), TradeR(_RESULTS.get(str(reason), "expired"), float(r), float(b), float(c)))
        for tier, reason, r, b, c in zip(
            tiers, trades["exit_reason"], trades["pnl"] / risk, reward, cost, strict=True
        )
    ]


def expectancy_by_tier(trades: pd.DataFrame, slippage: float) -> dict[str, Expectancy]:
    """Every tier's figures, then all trades together under `ALL_TIERS`."""
    pairs = trades_in_r(trades, slippage)
    tiers = {tier: figures for tier, figures in by_tier(pairs).items() if tier != ALL_TIERS}
    return {
        **dict(sorted(tiers.items(), key=lambda kv: _order(kv[0]))),
        ALL_TIERS: summarize([trade for _, trade in pairs]),
    }


def _order(tier: str) -> tuple[int, str]:
    known = ("high", "medium", "low")
    return (known.index(tier), tier) if tier in known else (len(known), tier)
