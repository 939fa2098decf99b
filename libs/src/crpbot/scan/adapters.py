"""The local adapters behind the scan ports: in-memory and stored candles, the in-process
risk guard, a fixed equity, any inference backend paired with its artifact.

The cluster's adapters (`RiskClient`, the TorchServe backend, Coinbase) are chosen by the
workers' wiring; these are the ones a single process uses.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy.exc import SQLAlchemyError

from crpbot.candles.granularity import closed_bars_end, granularity_delta
from crpbot.candles.source import CANDLE_COLUMNS, CandleSource
from crpbot.data.store import CandleStore
from crpbot.risk import CheckRequest, Decision, GuardState
from crpbot.scan.ports import CheckAnswer, RiskGuardRefusedError, RiskGuardUnavailable
from crpbot.services.risk_guard import (
    EquityUpdate,
    FutureEventError,
    RiskGuardService,
    StaleEventError,
    UnknownAccountError,
)

if TYPE_CHECKING:
    from crpbot.models.backend import InferenceBackend, Predictions
    from crpbot.models.metadata import ArtifactMetadata


@dataclass(frozen=True)
class ArtifactModel:
    """Any `InferenceBackend` paired with the metadata of the artifact it serves."""

    backend: InferenceBackend
    metadata: ArtifactMetadata

    def predict(
        self, windows: npt.NDArray[np.floating], feature_names: Sequence[str]
    ) -> Predictions:
        return self.backend.predict(windows, feature_names)


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
        with _as_http_refusals():
            decision = self._service.check(request)
        return _answer(decision)

    def check_batch(self, requests: Sequence[CheckRequest]) -> list[CheckAnswer]:
        with _as_http_refusals():
            decisions = self._service.check_batch(requests)
        return [_answer(d) for d in decisions]


def _answer(decision: Decision) -> CheckAnswer:
    return CheckAnswer(decision.approved, decision.reasons, decision.size, decision.state)


@contextmanager
def _as_http_refusals() -> Iterator[None]:
    """The service's refusals as the status codes the HTTP guard would answer."""
    try:
        yield
    except StaleEventError as exc:
        raise RiskGuardRefusedError(409, str(exc)) from exc
    except FutureEventError as exc:
        raise RiskGuardRefusedError(422, str(exc)) from exc
    except UnknownAccountError as exc:
        raise RiskGuardRefusedError(404, str(exc)) from exc
    except SQLAlchemyError as exc:
        raise RiskGuardUnavailable(f"risk guard database error: {type(exc).__name__}") from exc


def _tail_closed(frame: pd.DataFrame, granularity: str, now: datetime, count: int) -> pd.DataFrame:
    """The last `count` bars whose close (open + one bar) is at or before `now`."""
    last_open = pd.Timestamp(now) - pd.Timedelta(granularity_delta(granularity))
    upto = int(pd.DatetimeIndex(frame.index).searchsorted(last_open, side="right"))
    tail = frame.iloc[max(0, upto - count) : upto]
    return tail if tuple(tail.columns) == CANDLE_COLUMNS else tail[list(CANDLE_COLUMNS)]


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
