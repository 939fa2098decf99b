"""When to tell people the operator sees a bot failing: once when it starts, once when it ends.

The operator cannot read Secrets, so it cannot hold a Telegram token; it writes what it sees
into the TradingBot's `status.conditions` instead (Reconciled, Ready, ModelServerReady,
RiskGuardReady, ScannerScheduled, each `True` or `False` with a reason, a message and a
`lastTransitionTime`). `Reconciled` False means the operator cannot apply the bot's spec (a
rejected object, a missing permission): the children keep running from an older spec and the
operator keeps retrying, so nothing else turns False, yet someone has to act. The Telegram
bot, which has the token, reads them and turns only the transitions into alerts: a
condition that turned False is a `FailureAlert`, the same condition True again is that
alert marked `recovered`.

Two kinds of False are not failures. A condition False for less than `grace` is a rollout
or a restart (the Telegram bot's own rollout makes Ready False for a minute), so it is
announced only once it has lasted; one that heals within `grace` is never announced. And a
paused bot (`spec.suspend`) has its scanner suspended on purpose, so Ready and
ScannerScheduled are not judged while it is paused. Conditions of other types, with status
`Unknown`, or absent from a poll leave the memory as it was.

`judge` is pure (memory, conditions and clock in; alerts and the next memory out);
`ConditionWatch` keeps the memory between polls, in the process: after a restart a failure
still going on is announced once more, which errs on the side of telling.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from crpbot.notify.alerts import FailureAlert

# Condition type -> the component named in the alert; in the order alerts are sent.
COMPONENTS: dict[str, str] = {
    "Reconciled": "operator",
    "ModelServerReady": "model-server",
    "RiskGuardReady": "risk-guard",
    "ScannerScheduled": "scanner",
    "Ready": "bot",
}
PAUSED_ON_PURPOSE = frozenset({"Ready", "ScannerScheduled"})
DEFAULT_GRACE = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Condition:
    """One known condition as the operator stored it; `since` is its lastTransitionTime."""

    type: str
    ok: bool
    reason: str
    message: str
    since: datetime | None


@dataclass(frozen=True, slots=True)
class Verdict:
    """What one poll comes to: the alerts to send and the failures announced so far."""

    alerts: tuple[FailureAlert, ...]
    announced: frozenset[str]


def _since(raw: object) -> datetime | None:
    if not isinstance(raw, str):
        return None
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        return None


def read_conditions(status: Mapping[str, Any]) -> list[Condition]:
    """The known conditions with a definite status, from a TradingBot's `status`."""
    out = []
    for raw in status.get("conditions") or []:
        kind, state = raw.get("type"), raw.get("status")
        if kind not in COMPONENTS or state not in ("True", "False"):
            continue
        out.append(
            Condition(
                type=kind,
                ok=state == "True",
                reason=str(raw.get("reason") or ""),
                message=str(raw.get("message") or ""),
                since=_since(raw.get("lastTransitionTime")),
            )
        )
    return out


def _alert(bot: str, cond: Condition, now: datetime) -> FailureAlert:
    state = "True again" if cond.ok else "False"
    detail = f": {cond.message}" if cond.message else ""
    return FailureAlert(
        component=COMPONENTS[cond.type],
        summary=f"{cond.type} {state} ({cond.reason or 'no reason'}){detail}",
        ts=cond.since or now,
        bot=bot,
        recovered=cond.ok,
    )


def _lasted(cond: Condition, now: datetime, grace: timedelta) -> bool:
    return cond.since is None or now - cond.since >= grace


def judge(
    announced: frozenset[str],
    conditions: Iterable[Condition],
    *,
    bot: str,
    paused: bool,
    now: datetime,
    grace: timedelta = DEFAULT_GRACE,
) -> Verdict:
    """Alerts for the conditions that became failures or recovered since `announced`.

    `announced` holds the condition types whose failure people were told about and not yet
    told is over; the verdict's `announced` is the same for the next poll.
    """
    by_type = {cond.type: cond for cond in conditions}
    alerts = []
    memory = set(announced)
    for kind in COMPONENTS:
        cond = by_type.get(kind)
        if cond is None or (paused and kind in PAUSED_ON_PURPOSE):
            continue
        if cond.ok and kind in memory:
            memory.discard(kind)
            alerts.append(_alert(bot, cond, now))
        elif not cond.ok and kind not in memory and _lasted(cond, now, grace):
            memory.add(kind)
            alerts.append(_alert(bot, cond, now))
    return Verdict(tuple(alerts), frozenset(memory))


class ConditionWatch:
    """The announced failures of one TradingBot between polls; thread-safe."""

    def __init__(self, bot: str, grace: timedelta = DEFAULT_GRACE) -> None:
        self._bot = bot
        self._grace = grace
        self._announced: frozenset[str] = frozenset()
        self._lock = threading.Lock()

    def observe(self, body: Mapping[str, Any], now: datetime) -> tuple[FailureAlert, ...]:
        """The alerts to send now that the TradingBot `body` was read at `now`."""
        conditions = read_conditions(body.get("status") or {})
        paused = bool((body.get("spec") or {}).get("suspend", False))
        with self._lock:
            verdict = judge(
                self._announced,
                conditions,
                bot=self._bot,
                paused=paused,
                now=now,
                grace=self._grace,
            )
            self._announced = verdict.announced
        return verdict.alerts
