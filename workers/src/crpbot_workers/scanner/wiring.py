"""Build a `Scanner` from `Settings`: which candles, which models, which risk guard.

One place decides each seam, so `crpbot scan --once` (the cluster's CronJob) and `crpbot run`
(the local loop) wire the same way:

- candles: the Parquet store under `data_dir`, topped up from Coinbase first when
  `candle_source=coinbase`, or frames given by the caller (`--data bundled:EURUSD`);
- models: `make_backend`, in this process or (`inference=torchserve`) on a TorchServe server
  through `crpbot.models.torchserve`, pinned to the version `model_dir`'s LATEST names, or,
  in a cluster, to the version of the archives the pod's `fetch-models` copied there;
- risk guard and alerts: as `crpbot_workers.compose` decides for every service (the guard
  over HTTP when `risk.guard_url` is set, else in-process on the scanner's own database;
  Telegram when a token and allowed chats are configured, else log lines).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from crpbot.candles.granularity import granularity_delta
from crpbot.candles.source import CandleSource
from crpbot.confidence.tiers import TierThresholds
from crpbot.config import Settings
from crpbot.db.engine import session_factory
from crpbot.models.archived import scoring_metadata
from crpbot.models.versions import ArtifactError, resolve_version
from crpbot.notify.outage_watch import OutageWatch
from crpbot.scan.adapters import ArtifactModel, FramesFeed, StaticEquity, StoreFeed
from crpbot.scan.config import ScanConfig
from crpbot.scan.ports import CandleFeed, ScoringModel
from crpbot.scan.scanner import Scanner, ScannerDeps
from crpbot.scan.spool import SignalSpool
from crpbot.services.pause import StoredPauseFlag
from crpbot.signals.from_models import SignalRules
from crpbot.telemetry.metrics import Telemetry, get_telemetry
from crpbot_workers.compose import make_notifier, open_database, risk_port


class WiringError(ValueError):
    """The settings cannot make a working scanner; the message says what to change."""


def make_backend(settings: Settings) -> ScoringModel:
    """The models the scanner asks, as `settings.inference` says; artifacts in `model_dir`.

    The in-process backend (and with it torch) is imported only when chosen: a scanner that
    asks a model server never loads the model runtime.
    """
    try:
        if settings.inference == "torchserve":
            return _torchserve_backend(settings)
        resolve_version(settings.model_dir)  # no models: refuse before torch loads (seconds)
        from crpbot.models.inference import InProcessBackend

        return InProcessBackend(settings.model_dir)
    except ArtifactError as exc:
        raise WiringError(str(exc)) from exc


def _torchserve_backend(settings: Settings) -> ScoringModel:
    """The server's answers for the artifact the scanner holds (its metadata calibrates)."""
    from crpbot.models.torchserve import TorchServeBackend

    metadata = scoring_metadata(settings.model_dir)
    backend = TorchServeBackend(settings.torchserve_url, metadata, key=settings.torchserve_key)
    return ArtifactModel(backend, metadata)


def make_feed(settings: Settings, frames: Mapping[str, pd.DataFrame] | None = None) -> CandleFeed:
    """Candles for the scanner: `frames` when given, else the store (plus Coinbase)."""
    if frames is not None:
        return FramesFeed(frames, settings.granularity)
    from crpbot.data.store import CandleStore

    store = CandleStore(settings.data_dir)
    if settings.candle_source != "coinbase":
        return StoreFeed(store, settings.granularity)
    return StoreFeed(store, settings.granularity, upstream=_coinbase(settings))


def _coinbase(settings: Settings) -> CandleSource:
    from crpbot.data.coinbase import CoinbaseClient
    from crpbot.data.coinbase_auth import CoinbaseCredentials
    from crpbot.data.coinbase_http import RetryPolicy

    key, secret = settings.coinbase_api_key, settings.coinbase_api_secret
    if (key is None) != (secret is None):
        raise WiringError("set both CRPBOT_COINBASE_API_KEY and CRPBOT_COINBASE_API_SECRET")
    credentials = (
        CoinbaseCredentials(key.get_secret_value(), secret.get_secret_value())
        if key is not None and secret is not None
        else None
    )
    policy = RetryPolicy(
        attempts=settings.coinbase.max_retries + 1, timeout=settings.coinbase.timeout_s
    )
    return CoinbaseClient(credentials, settings.coinbase.base_url, policy=policy)


def scan_config(settings: Settings, symbols: tuple[str, ...] | None = None) -> ScanConfig:
    """Symbols, gate and tiers from settings; the guard's account is the bot's name."""
    confidence = settings.confidence
    return ScanConfig(
        bot=settings.bot_name,
        account=settings.bot_name,
        symbols=symbols or tuple(settings.symbols),
        granularity=settings.granularity,
        rules=SignalRules(
            min_confidence=settings.risk.min_confidence,
            bar=pd.Timedelta(granularity_delta(settings.granularity)),
        ),
        thresholds=TierThresholds(high=confidence.high, medium=confidence.medium),
        backend_name=settings.inference,
        skill=settings.skill_rules(),
        outage_alerts=settings.notify.outage_alerts,
    )


def spool_path(settings: Settings) -> Path:
    """Where signals wait while the database is down (under `data_dir`)."""
    return settings.data_dir / "spool" / f"signals-{settings.bot_name}.jsonl"


def outage_path(settings: Settings) -> Path:
    """Which dependencies were down at the last cycle, so `scan --once` processes announce
    an outage once, not every cycle (under `data_dir`, beside the spool)."""
    return settings.data_dir / "spool" / f"outages-{settings.bot_name}.json"


@dataclass
class WiredScanner:
    """A scanner and what to close when the process is done with it."""

    scanner: Scanner
    engine: Engine
    closers: list[Callable[[], object]] = field(default_factory=list)

    def close(self) -> None:
        """Flush alerts and release connections; call once, before exiting."""
        for close in self.closers:
            close()
        self.engine.dispose()


def build_scanner(
    settings: Settings,
    *,
    frames: Mapping[str, pd.DataFrame] | None = None,
    migrate: bool = True,
    telemetry: Telemetry | None = None,
) -> WiredScanner:
    """A scanner wired from `settings`; `frames` (symbol -> candles) replaces the store."""
    engine = open_database(settings.database_url.get_secret_value(), migrate=migrate)
    telemetry = telemetry or get_telemetry()
    sessions = session_factory(engine)
    notifier = make_notifier(settings, telemetry)
    deps = ScannerDeps(
        feed=make_feed(settings, frames),
        model=make_backend(settings),
        risk=risk_port(settings, engine),
        sessions=sessions,
        notifier=notifier,
        spool=SignalSpool(spool_path(settings)),
        telemetry=telemetry,
        equity=StaticEquity(settings.risk.account_size),
        pause=StoredPauseFlag(sessions, settings.bot_name),
        outages=OutageWatch(settings.bot_name, outage_path(settings)),
    )
    symbols = tuple(frames) if frames is not None else None
    wired = WiredScanner(Scanner(scan_config(settings, symbols), deps), engine)
    close = getattr(notifier, "close", None)
    if callable(close):
        wired.closers.append(close)
    return wired
