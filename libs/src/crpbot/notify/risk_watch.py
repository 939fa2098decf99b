"""When to tell people about the account: once when it is halted or breached, not every event.

The risk guard sees every equity report and check, and while an account stays halted each of
them shows the same status; alerting on each would bury the one message that matters. So an
alert goes out when an account *enters* `halted_daily` or `breached_total`; it re-arms when
the account leaves that status (a new Prague day lifts a daily halt). The memory is the
process's own: after a restart the first event of a still-halted account alerts once more,
which errs on the side of telling.
"""

from __future__ import annotations

import threading
from datetime import datetime

from crpbot.notify.alerts import RiskAlert
from crpbot.risk import GuardState
from crpbot.risk.ftmo import FtmoStatus

_DETAIL = {
    FtmoStatus.HALTED_DAILY: "no new signals until the next Prague midnight",
    FtmoStatus.BREACHED_TOTAL: "equity fell below the total-loss floor: the challenge is lost",
}


class RiskAlertWatch:
    """Per-account memory of the last status seen; safe to share between request threads."""

    def __init__(self) -> None:
        self._last: dict[str, FtmoStatus] = {}
        self._lock = threading.Lock()

    def observe(self, account: str, state: GuardState, ts: datetime) -> RiskAlert | None:
        """The alert to send for `state` (seen at event time `ts`), or None."""
        status = FtmoStatus(state.status)
        with self._lock:
            before = self._last.get(account)
            self._last[account] = status
        if status not in _DETAIL or status == before:
            return None
        return RiskAlert(
            account=account,
            status="halted_daily" if status == FtmoStatus.HALTED_DAILY else "breached_total",
            equity=state.equity,
            daily_floor=state.daily_floor,
            total_floor=state.total_floor,
            ts=ts,
            detail=_DETAIL[status],
        )
