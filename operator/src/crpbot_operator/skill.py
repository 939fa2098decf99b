"""The `SkillDemonstrated` condition: the bot's skill gate, as the bot itself reported it.

The operator holds no database credentials, so it cannot read the outcomes the gate is
decided on. The Telegram bot, which has the database and may patch its own TradingBot, writes
the gate of every tier (`crpbot.skill.gate.evidence_record`) as JSON into the annotation
`crpbot.io/skill-gate`; this module turns that into the condition, True only while at least
one tier's gate is open. Missing or unreadable evidence is a closed gate.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

SKILL_DEMONSTRATED = "SkillDemonstrated"
SKILL_ANNOTATION = "crpbot.io/skill-gate"
NO_EVIDENCE = "NoEvidence"


def _tiers(raw: str | None) -> list[Mapping[str, Any]] | None:
    if not raw:
        return None
    try:
        tiers = json.loads(raw).get("tiers")
    except (ValueError, AttributeError):
        return None
    if not isinstance(tiers, list) or not all(isinstance(t, Mapping) for t in tiers) or not tiers:
        return None
    return tiers


def skill_condition(raw: str | None) -> tuple[bool, str, str]:
    """(status, reason, message) of `SkillDemonstrated` from the annotation's value."""
    tiers = _tiers(raw)
    if tiers is None:
        return (
            False,
            NO_EVIDENCE,
            f"no skill evidence reported (annotation {SKILL_ANNOTATION}): every signal is unproven",
        )
    message = "; ".join(str(t.get("message", t.get("tier", "?"))) for t in tiers)
    opened = [t for t in tiers if t.get("open") is True]
    if opened:
        return True, "Demonstrated", message
    nearest = max(tiers, key=lambda t: int(t.get("n") or 0))
    return False, str(nearest.get("reason") or "Closed"), message
