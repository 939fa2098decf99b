"""What a scan cycle talks to, as small Protocols, and the errors they raise.

The scanner only knows these seams, so the same cycle runs in one process (bundled or stored
candles, the in-process risk guard, SQLite) and in the cluster (Coinbase, the risk guard over
HTTP via `RiskClient`, Postgres). Each seam names what the scanner needs and nothing more;
the adapters behind them live in `crpbot.scan.adapters` and in the workers' wiring, so this
module imports no HTTP client, database driver or model runtime.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd

from crpbot.risk import CheckRequest, GuardState, Reason

if TYPE_CHECKING:
    from crpbot.models.backend import Predictions
    from crpbot.models.metadata import ArtifactMetadata


class RiskGuardUnavailable(RuntimeError):  # noqa: N818 - the name scanners catch
    """No usable answer from the risk guard: treat the signal as not approved."""


class RiskGuardRefusedError(RiskGuardUnavailable):
    """The guard answered 4xx (bad token, stale `ts`, unknown account, malformed body)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"risk guard refused the request ({status}): {detail}")
        self.status = status
        self.detail = detail


@dataclass(frozen=True, slots=True)
class CheckAnswer:
    """The guard's verdict on one check, whichever adapter gave it."""

    approved: bool
    reasons: tuple[Reason, ...]
    size: float
    state: GuardState


class CandleFeed(Protocol):
    """Recent bars of one symbol; the scanner drops any bar not closed at `now` regardless."""

    def recent_bars(self, symbol: str, now: datetime, count: int) -> pd.DataFrame:
        """Up to `count` of the newest bars closed at `now`, in the candle convention."""
        ...


class ScoringModel(Protocol):
    """An `InferenceBackend` that also carries its artifact's metadata.

    `InProcessBackend` is one. The metadata is read at every cycle, so a wrapper may hand out
    a refitted calibrator (`dataclasses.replace(meta, calibrator=...)`) between cycles.
    """

    @property
    def metadata(self) -> ArtifactMetadata: ...

    def predict(
        self, windows: npt.NDArray[np.floating], feature_names: Sequence[str]
    ) -> Predictions: ...


class RiskPort(Protocol):
    """The risk guard as the scanner asks it; any unclear answer raises RiskGuardUnavailable.

    `RiskClient` (HTTP, cluster) satisfies it; `InProcessRisk` wraps the local service.
    """

    def equity(self, account: str, balance: float, equity: float, ts: datetime) -> GuardState:
        """Report the account's balance and equity at event time `ts`."""
        ...

    def check(self, request: CheckRequest) -> CheckAnswer:
        """Approve or reject one signal; an approval counts toward the rate limits."""
        ...

    def check_batch(self, requests: Sequence[CheckRequest]) -> list[CheckAnswer]:
        """Decide many signals in one round trip, answers in the order asked; the same
        answers as asking one by one (by account, then event time, then in order)."""
        ...


class EquitySource(Protocol):
    """Where the balance and equity the guard is told about come from."""

    def balance_and_equity(self, now: datetime) -> tuple[float, float]:
        """The account's balance and equity at `now`."""
        ...
