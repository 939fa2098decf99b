"""`crpbot outcomes`: resolve stored signals, show pattern statistics, refit the calibrator.

The database is the `database_url` setting unless `--database-url` says otherwise, and must be
migrated (`crpbot db upgrade`). Candles for tracking come from the candle store (`data_dir`,
the configured granularity) for every symbol that still has open signals, or from `--candles`
(`bundled:EURUSD` or a candle CSV). `--now` sets the clock (ISO 8601); it defaults to the
current UTC time, and only bars closed by then are used.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crpbot.clock import utcnow
from crpbot_workers.cli.common import (
    DatabaseUrlOpt,
    JsonOpt,
    console,
    fail,
    print_json,
    settings_or_fail,
)

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.orm import Session, sessionmaker

    from crpbot.config import Settings
    from crpbot.learning.patterns import PatternSummary
    from crpbot.services.learning import CalibrationScope

app = typer.Typer(
    help="Auto-learning: outcomes of stored signals, pattern statistics, recalibration.",
    no_args_is_help=True,
)

NowOpt = Annotated[
    str | None,
    typer.Option(
        "--now", help="Clock for this run, ISO 8601 (default: now, UTC).", show_default=False
    ),
]


def _now(value: str | None) -> datetime:
    if value is None:
        return utcnow()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        fail(f"invalid --now {value!r}: expected ISO 8601, e.g. 2024-03-01T12:00:00Z")
    if moment.tzinfo is None:
        fail(f"invalid --now {value!r}: give a UTC offset, e.g. 2024-03-01T12:00:00Z")
    return moment.astimezone(UTC)


def _sessions(settings: Settings, url: str | None) -> sessionmaker[Session]:
    """Sessions on a migrated database; anything else ends the command with the reason."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from crpbot.db.engine import current_revision, head_revision, make_engine, session_factory

    target = url if url is not None else settings.database_url.get_secret_value()
    try:
        shown = make_url(target).render_as_string(hide_password=True)
        revision = current_revision(target)
    except ArgumentError:
        fail("invalid --database-url: expected an SQLAlchemy URL such as sqlite:///var/crpbot.db")
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        fail(f"database {shown}: {type(exc).__name__}: {reason}", code=1)
    if revision != head_revision():
        fail(f"database {shown} is not migrated (revision {revision}): run `crpbot db upgrade`")
    sessions: sessionmaker[Session] = session_factory(make_engine(target))
    return sessions


def _candles(
    settings: Settings, specs: list[str], symbols: list[str], granularity: str
) -> dict[str, pd.DataFrame]:
    from rich.progress import Progress

    from crpbot.data.store import CandleStore
    from crpbot_workers.cli.candles import load_candles

    found: dict[str, pd.DataFrame] = {}
    store = CandleStore(settings.data_dir)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("loading candles", total=len(specs) or len(symbols))
        try:
            for spec in specs:
                frame, symbol = load_candles(spec)
                found[symbol] = frame
                progress.advance(task)
            for symbol in [] if specs else symbols:
                found[symbol] = store.load(symbol, granularity)
                progress.advance(task)
        except (ValueError, OSError) as exc:
            fail(f"cannot read candles: {exc}")
    return found


@app.command()
def track(
    candles: Annotated[
        list[str] | None,
        typer.Option(
            "--candles",
            help="bundled:NAME or a candle CSV (repeat for more symbols); default: the store.",
            show_default=False,
        ),
    ] = None,
    granularity: Annotated[
        str | None, typer.Option("--granularity", help="Bar size (default: configured).")
    ] = None,
    now: NowOpt = None,
    database_url: DatabaseUrlOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Resolve every open signal that later candles decide (target, stop or expiry), and the
    direction outcome of every scored bar whose horizon bar has closed, once."""
    from crpbot.candles.granularity import granularity_delta
    from crpbot.services.learning import LearningService

    settings = settings_or_fail()
    clock = _now(now)
    bar_size = granularity or settings.granularity
    try:
        bar = granularity_delta(bar_size)
    except ValueError as exc:
        fail(str(exc))
    service = LearningService(_sessions(settings, database_url), bar=bar)
    frames = _candles(settings, candles or [], service.open_symbols(), bar_size)
    report = service.track(frames, clock)
    if as_json:
        print_json({"now": clock.isoformat(), **report.__dict__})
        return
    console.print(
        f"checked {report.checked}: resolved {report.resolved} (won {report.won}, lost "
        f"{report.lost}, expired {report.expired}), still open {report.still_open}"
        + (f", invalid {report.invalid}" if report.invalid else "")
        + f"; direction outcomes of scored bars: {report.directions_resolved} resolved, "
        f"{report.directions_pending} pending",
        highlight=False,
    )
    if report.missing_candles:
        console.print(f"no candles for: {', '.join(report.missing_candles)}", highlight=False)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _table(rows: list[PatternSummary]) -> None:
    from rich.table import Table

    table = Table(title="Pattern statistics (win rate = won / (won + lost), 95% Wilson CI)")
    for name in ("dimension", "bucket", "signals", "won", "lost", "win rate", "95% CI"):
        table.add_column(name, justify="left" if name in ("dimension", "bucket") else "right")
    for r in rows:
        ci = "-" if r.low is None else f"{_pct(r.low)} – {_pct(r.high)}"
        table.add_row(
            r.dimension, r.bucket, str(r.count), str(r.wins), str(r.losses), _pct(r.win_rate), ci
        )
    console.print(table)


@app.command()
def stats(
    dimension: Annotated[
        str | None,
        typer.Option("--dimension", help="Only one of: symbol, tier, side, hour, rsi, atr_pct."),
    ] = None,
    database_url: DatabaseUrlOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Win rate and count of resolved signals by symbol, tier, side, hour and feature bucket."""
    from crpbot.learning.patterns import DIMENSIONS
    from crpbot.services.learning import LearningService

    if dimension is not None and dimension not in DIMENSIONS:
        fail(f"unknown --dimension {dimension!r}; expected one of {', '.join(DIMENSIONS)}")
    rows = LearningService(_sessions(settings_or_fail(), database_url)).patterns(dimension)
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("no resolved signals yet (run `crpbot outcomes track`)")
        return
    _table(rows)


def _scope(model_dir: Path, version: str | None) -> CalibrationScope:
    from crpbot.models.versions import ArtifactError, read_metadata, resolve_version
    from crpbot.services.learning import CalibrationScope

    try:
        metadata = read_metadata(resolve_version(model_dir, version))
    except ArtifactError as exc:
        fail(str(exc))
    return CalibrationScope(metadata.model_version, metadata.calibrator)


@app.command()
def refit(
    model_dir: Annotated[
        Path | None,
        typer.Option("--model-dir", help="Model artifacts (default: the model_dir setting)."),
    ] = None,
    version: Annotated[
        str | None, typer.Option("--version", help="Model version (default: LATEST).")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Refit now even if the schedule says not yet.")
    ] = False,
    method: Annotated[
        str | None,
        typer.Option("--method", help="identity, platt or isotonic (default: held-out choice)."),
    ] = None,
    min_outcomes: Annotated[
        int,
        typer.Option(
            "--min-outcomes", min=10, help="Scored bars with a direction outcome needed to refit."
        ),
    ] = 50,
    now: NowOpt = None,
    database_url: DatabaseUrlOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Refit the model's calibrator on the direction outcomes of its scored bars when due
    (docs/evaluation.md, "What the probability means"); log and store the change."""
    from crpbot.confidence.calibration import METHODS
    from crpbot.learning.recalibrate import RefitPolicy
    from crpbot.services.learning import LearningService

    if method is not None and method not in METHODS:
        fail(f"unknown --method {method!r}; expected one of {', '.join(METHODS)}")
    settings = settings_or_fail()
    clock = _now(now)
    scope = _scope(model_dir or settings.model_dir, version)
    service = LearningService(
        _sessions(settings, database_url),
        scope=scope,
        policy=RefitPolicy(min_outcomes=min_outcomes),
    )
    decision = service.refit_decision(clock)
    change = service.refit(clock, force=force, method=method)
    reason = decision.reason
    if change is None and (decision.due or force):
        reason = "the direction outcomes all carry one label: nothing to fit"
    payload: dict[str, Any] = {
        "model_version": scope.model_version,
        "due": decision.due,
        "reason": reason,
        "refitted": change is not None,
        "change": change,
    }
    if as_json:
        print_json(payload)
        return
    if change is None:
        console.print(f"no refit: {reason}", highlight=False)
        return
    verdict = "adopted" if change.adopted else "kept the current calibrator"
    console.print(
        f"refit on {change.n_samples} direction outcomes ({change.after.method}): {verdict}; "
        f"ECE {change.before_quality.ece:.3f} → {change.after_quality.ece:.3f}, "
        f"Brier {change.before_quality.brier:.4f} → {change.after_quality.brier:.4f}",
        highlight=False,
    )
