"""The crpbot schema as typed SQLAlchemy models.

Money and prices are `Float` (double precision): every producer and consumer in crpbot (pandas
candles, model outputs, the risk rules) computes in binary floats, so `Numeric` would only add
a Decimal↔float conversion at each boundary without making any computed figure exact, and
SQLite stores NUMERIC as a float anyway. Amounts are account-currency sizes far from the
2**53 limit, where doubles carry ~15 significant digits.

Enumerated text columns use CHECK constraints instead of native enums so the same migration
runs unchanged on SQLite and Postgres, and adding a value never needs an `ALTER TYPE`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from crpbot.db.base import Base
from crpbot.db.types import UtcDateTime
from crpbot.db.vocabulary import (
    MODEL_STAGES,
    OUTCOME_RESULTS,
    SIDES,
    SIGNAL_STATUSES,
    TIERS,
    one_of,
)

_PRODUCTION = "stage = 'production'"


class Account(Base):
    """A prop-firm account watched by the risk guard; `last_ts` enforces monotonic event time.

    `trading_days`, `last_approval_ts` and `lowest_equity` summarise the whole history
    (local days with an approval, the newest approval, the lowest equity ever reported) so
    that a check reads only its window however long the account has traded. They are
    updated in the same locked transaction that writes the approval or the report.
    """

    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    initial_balance: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_ts: Mapped[datetime | None] = mapped_column(UtcDateTime)
    trading_days: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    last_approval_ts: Mapped[datetime | None] = mapped_column(UtcDateTime)
    lowest_equity: Mapped[float | None] = mapped_column(Float)


class AccountSnapshot(Base):
    """Balance and equity as reported at `ts`; day-start balances are read from these."""

    __tablename__ = "account_snapshots"
    __table_args__ = (Index(None, "account_id", "ts"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    ts: Mapped[datetime] = mapped_column(UtcDateTime)
    balance: Mapped[float] = mapped_column(Float)
    equity: Mapped[float] = mapped_column(Float)


class RiskDecision(Base):
    """One answer of the risk guard; approved rows count toward the rolling-hour limits."""

    __tablename__ = "risk_decisions"
    __table_args__ = (
        Index(None, "account_id", "ts"),
        Index(None, "account_id", "approved", "ts"),
        CheckConstraint(one_of("side", SIDES), name="side"),
        CheckConstraint(one_of("tier", TIERS), name="tier"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    ts: Mapped[datetime] = mapped_column(UtcDateTime)
    symbol: Mapped[str] = mapped_column(String(32))
    side: Mapped[str] = mapped_column(String(8))
    entry: Mapped[float] = mapped_column(Float)
    stop: Mapped[float] = mapped_column(Float)
    confidence: Mapped[float] = mapped_column(Float)
    tier: Mapped[str] = mapped_column(String(8))
    approved: Mapped[bool] = mapped_column(Boolean)
    size: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Signal(Base):
    """A scored setup; the unique key makes a re-run of the same cycle a no-op."""

    __tablename__ = "signals"
    __table_args__ = (
        UniqueConstraint("bot", "symbol", "bar_ts", "model_version"),
        Index(None, "bar_ts"),
        CheckConstraint(one_of("side", SIDES), name="side"),
        CheckConstraint(one_of("tier", TIERS), name="tier"),
        CheckConstraint(one_of("status", SIGNAL_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bot: Mapped[str] = mapped_column(String(64))
    symbol: Mapped[str] = mapped_column(String(32))
    bar_ts: Mapped[datetime] = mapped_column(UtcDateTime)
    model_version: Mapped[str] = mapped_column(String(64))
    side: Mapped[str] = mapped_column(String(8))
    entry: Mapped[float] = mapped_column(Float)
    stop: Mapped[float] = mapped_column(Float)
    target: Mapped[float] = mapped_column(Float)
    expiry: Mapped[datetime] = mapped_column(UtcDateTime)
    p_up: Mapped[float] = mapped_column(Float)
    strength: Mapped[float] = mapped_column(Float)
    score: Mapped[float] = mapped_column(Float)
    confidence: Mapped[float] = mapped_column(Float)
    tier: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Outcome(Base):
    """How a signal ended; at most one per signal, written once by the outcome tracker."""

    __tablename__ = "outcomes"
    __table_args__ = (CheckConstraint(one_of("result", OUTCOME_RESULTS), name="result"),)

    signal_id: Mapped[int] = mapped_column(
        ForeignKey("signals.id", ondelete="CASCADE"), primary_key=True
    )
    result: Mapped[str] = mapped_column(String(8))
    resolved_ts: Mapped[datetime] = mapped_column(UtcDateTime)
    exit_price: Mapped[float] = mapped_column(Float)
    r_multiple: Mapped[float] = mapped_column(Float)


class ScoredBar(Base):
    """Every bar the models scored, signal or not, and the direction its label later showed.

    The calibrated probability is P(close `horizon` bars later > close now) for EVERY scored
    bar, so checking or refitting it needs every scored bar, not only those that became
    signals (docs/evaluation.md, "What the probability means"). `expiry` is the nominal open
    time of the horizon bar, as on signals; `went_up`, `close_at_horizon` and `resolved_ts`
    are written once by the outcome tracker when that bar has closed.
    """

    __tablename__ = "scored_bars"
    __table_args__ = (
        UniqueConstraint("bot", "symbol", "bar_ts", "model_version"),
        Index(None, "resolved_ts"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bot: Mapped[str] = mapped_column(String(64))
    symbol: Mapped[str] = mapped_column(String(32))
    bar_ts: Mapped[datetime] = mapped_column(UtcDateTime)
    model_version: Mapped[str] = mapped_column(String(64))
    close: Mapped[float] = mapped_column(Float)
    expiry: Mapped[datetime] = mapped_column(UtcDateTime)
    score: Mapped[float] = mapped_column(Float)
    p_up: Mapped[float] = mapped_column(Float)
    p_cal: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    went_up: Mapped[bool | None] = mapped_column(Boolean)
    close_at_horizon: Mapped[float | None] = mapped_column(Float)
    resolved_ts: Mapped[datetime | None] = mapped_column(UtcDateTime)


class PatternStat(Base):
    """Win/loss counts of one bucket of one dimension (symbol, tier, hour, feature bucket…)."""

    __tablename__ = "pattern_stats"

    dimension: Mapped[str] = mapped_column(String(32), primary_key=True)
    bucket: Mapped[str] = mapped_column(String(64), primary_key=True)
    wins: Mapped[int] = mapped_column(Integer)
    losses: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ModelVersion(Base):
    """A trained artifact in the registry; at most one `production` row per model name."""

    __tablename__ = "model_versions"
    __table_args__ = (
        UniqueConstraint("name", "version"),
        CheckConstraint(one_of("stage", MODEL_STAGES), name="stage"),
        Index(
            "uq_model_versions_one_production",
            "name",
            unique=True,
            sqlite_where=text(_PRODUCTION),
            postgresql_where=text(_PRODUCTION),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(64))
    uri: Mapped[str] = mapped_column(String(512))
    sha256: Mapped[str] = mapped_column(String(64))
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    stage: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    promoted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CalibrationChange(Base):
    """A refit of the confidence calibrator from realised outcomes: what changed and on what."""

    __tablename__ = "calibration_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ts: Mapped[datetime] = mapped_column(UtcDateTime)
    method: Mapped[str] = mapped_column(String(16))
    n_samples: Mapped[int] = mapped_column(Integer)
    before: Mapped[dict[str, Any]] = mapped_column(JSON)
    after: Mapped[dict[str, Any]] = mapped_column(JSON)


class BotFlag(Base):
    """Operator switches of a bot that must survive restarts (Telegram /pause when local)."""

    __tablename__ = "bot_flags"

    bot: Mapped[str] = mapped_column(String(64), primary_key=True)
    paused: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ScanCycle(Base):
    """One scanner cycle: timing and counts, for the cycle-duration metric and reports."""

    __tablename__ = "scan_cycles"
    __table_args__ = (Index(None, "bot", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bot: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime] = mapped_column(UtcDateTime)
    duration_s: Mapped[float] = mapped_column(Float)
    symbols_ok: Mapped[int] = mapped_column(Integer)
    symbols_failed: Mapped[int] = mapped_column(Integer)
    signals: Mapped[int] = mapped_column(Integer)
    errors: Mapped[list[str]] = mapped_column(JSON)
