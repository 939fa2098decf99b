"""The `Risk` and `Signals 24h` printer columns: what the bot itself reported.

Both figures live where only the bot can read them: the risk status in the risk guard (behind
its token), the signal count in the database. The operator holds neither credential and
should not: the Telegram bot already has both and may patch its own TradingBot (it publishes
the skill gate the same way), so it writes them as JSON into the annotation
`crpbot.io/activity` and the operator copies them into `status.riskStatus` and
`status.signals24h`. Reading the guard itself would have meant the operator reading every
bot's guard token Secret and a NetworkPolicy hole into every bot.
"""

from __future__ import annotations

import json
from typing import Any

ACTIVITY_ANNOTATION = "crpbot.io/activity"
# The guard's `FtmoStatus` values, plus what the bot reports when it cannot ask the guard.
RISK_STATUSES = ("active", "halted_daily", "breached_total", "target_reached", "unavailable")
MAX_RISK_STATUS = 64


def activity_status(raw: str | None) -> dict[str, Any]:
    """The status fields the annotation's value fills; a field that is missing or malformed
    is left out rather than guessed, so the column stays empty instead of lying."""
    if not raw:
        return {}
    try:
        record = json.loads(raw)
    except ValueError:
        return {}
    if not isinstance(record, dict):
        return {}
    out: dict[str, Any] = {}
    risk = record.get("riskStatus")
    if isinstance(risk, str) and 0 < len(risk) <= MAX_RISK_STATUS:
        out["riskStatus"] = risk
    signals = record.get("signals24h")
    if isinstance(signals, int) and not isinstance(signals, bool) and signals >= 0:
        out["signals24h"] = signals
    return out
