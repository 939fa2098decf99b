"""What a scan cycle talks to, as small Protocols, and the local adapters behind them.

The scanner only knows these seams, so the same cycle runs in one process (bundled or stored
candles, the in-process risk guard, SQLite) and in the cluster (Coinbase, the risk guard over
HTTP via `RiskClient`, Postgres). Each seam names what the scanner needs and nothing more.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy.exc import SQLAlchemyError

from crpbot.data.granularity import closed_bars_end, granularity_delta
from crpbot.data.source import CANDLE_COLUMNS, CandleSource
from crpbot.data.store import CandleStore
from crpbot.models.inference import InferenceBackend, Predictions
from crpbot.models.metadata import ArtifactMetadata
from crpbot.risk import CheckRequest, GuardState
from crpbot.services.risk_client import CheckAnswer, RiskGuardRefusedError, RiskGuardUnavailable
from crpbot.services.risk_guard import (
    EquityUpdate,
    FutureEventError,
    RiskGuardService,
    StaleEventError,
    UnknownAccountError,
)

log = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class ArtifactModel:
    """Any `InferenceBackend` paired with the metadata of the artifact it serves."""

    backend: InferenceBackend
    metadata: ArtifactMetadata

    def predict(
        self, windows: npt.NDArray[np.floating], feature_names: Sequence[str]
    ) -> Predictions:
        return self.backend.predict(windows, feature_names)


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


class EquitySource(Protocol):
    """Where the balance and equity the guard is told about come from."""

    def balance_and_equity(self, now: datetime) -> tuple[float, float]:
        """The account's balance and equity at `now`."""
        ...


@dataclass(frozen=True)
class StaticEquity:
    """Observation mode sends no orders, so the account stays at its initial balance."""

    balance: float

    def balance_and_equity(self, now: datetime) -> tuple[float, float]:
        return self.balance, self.balance


class InProcessRisk:
    """`RiskGuardService` behind the `RiskPort` seam, failing like the HTTP client does.

    A database error, a stale event time or an unknown account would be a 5xx, 409 or 404
    over HTTP; here they raise the same RiskGuardUnavailable family, so the scanner fails
    closed identically in both modes.
    """

    def __init__(self, service: RiskGuardService) -> None:
        self._service = service

    def equity(self, account: str, balance: float, equity: float, ts: datetime) -> GuardState:
        try:
            return self._service.record_equity(EquityUpdate(account, balance, equity, ts))
        except StaleEventError as exc:
            raise RiskGuardRefusedError(409, str(exc)) from exc
        except FutureEventError as exc:
            raise RiskGuardRefusedError(422, str(exc)) from exc
        except SQLAlchemyError as exc:
            raise RiskGuardUnavailable(f"risk guard database error: {type(exc).__name__}") from exc

    def check(self, request: CheckRequest) -> CheckAnswer:
        try:
            decision = self._service.check(request)
        except StaleEventError as exc:
            raise RiskGuardRefusedError(409, str(exc)) from exc
        except FutureEventError as exc:
            raise RiskGuardRefusedError(422, str(exc)) from exc
        except UnknownAccountError as exc:
            raise RiskGuardRefusedError(404, str(exc)) from exc
        except SQLAlchemyError as exc:
            raise RiskGuardUnavailable(f"risk guard database error: {type(exc).__name__}") from exc
        return CheckAnswer(decision.approved, decision.reasons, decision.size, decision.state)


def _tail_closed(frame: pd.DataFrame, granularity: str, now: datetime, count: int) -> pd.DataFrame:
    """The last `count` bars whose close (open + one bar) is at or before `now`."""
    last_open = pd.Timestamp(now) - pd.Timedelta(granularity_delta(granularity))
    upto = int(pd.DatetimeIndex(frame.index).searchsorted(last_open, side="right"))
    return frame.iloc[max(0, upto - count) : upto][list(CANDLE_COLUMNS)]


class FramesFeed:
    """Candles already in memory, one frame per symbol: the bundled data and the demo's
    simulated clock, where slicing at `now` is what keeps the replay free of look-ahead."""

    def __init__(self, frames: Mapping[str, pd.DataFrame], granularity: str) -> None:
        self._frames = dict(frames)
        self._granularity = granularity

    def recent_bars(self, symbol: str, now: datetime, count: int) -> pd.DataFrame:
        if symbol not in self._frames:
            raise LookupError(f"no candles loaded for {symbol}")
        return _tail_closed(self._frames[symbol], self._granularity, now, count)


class SourceFeed:
    """Any `CandleSource` (Coinbase live): asks only for the window the scanner needs."""

    def __init__(self, source: CandleSource, granularity: str) -> None:
        self._source = source
        self._granularity = granularity

    def recent_bars(self, symbol: str, now: datetime, count: int) -> pd.DataFrame:
        end = closed_bars_end(now, self._granularity)
        start = end - granularity_delta(self._granularity) * count
        frame = self._source.fetch_candles(symbol, self._granularity, start, end)
        return _tail_closed(frame, self._granularity, now, count)


class StoreFeed:
    """The local Parquet store, topped up from `upstream` first when one is given, so a live
    scanner keeps the history it scored on and only fetches bars it does not have."""

    def __init__(
        self, store: CandleStore, granularity: str, upstream: CandleSource | None = None
    ) -> None:
        self._store = store
        self._granularity = granularity
        self._upstream = upstream

    def recent_bars(self, symbol: str, now: datetime, count: int) -> pd.DataFrame:
        if self._upstream is not None:
            end = closed_bars_end(now, self._granularity)
            start = end - granularity_delta(self._granularity) * count
            self._store.fetch_missing(self._upstream, symbol, self._granularity, end, start)
        frame = self._store.load(symbol, self._granularity)
        if frame.empty:
            raise LookupError(f"no {self._granularity} candles stored for {symbol}")
        return _tail_closed(frame, self._granularity, now, count)
