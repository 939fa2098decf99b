"""`crpbot data`: fetch Coinbase candles into the local store, import candle files, inspect.

Credentials come from CRPBOT_COINBASE_API_KEY / CRPBOT_COINBASE_API_SECRET (or the YAML
config); without them the public market-data endpoint is used, which needs no key.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from crpbot.candles.granularity import closed_bars_end, granularity_seconds
from crpbot.clock import utcnow
from crpbot.data.coinbase_errors import CoinbaseError
from crpbot_workers.cli.common import (
    JsonOpt,
    console,
    err_console,
    fail,
    print_json,
    settings_or_fail,
)

if TYPE_CHECKING:
    from crpbot.candles.validate import CandleReport
    from crpbot.config import Settings
    from crpbot.data.coinbase import CoinbaseClient
    from crpbot.data.coinbase_auth import CoinbaseCredentials
    from crpbot.data.store import CandleStore, StoreUpdate

app = typer.Typer(
    help="Market data: fetch, import and inspect stored candles.", no_args_is_help=True
)

SymbolOpt = Annotated[str, typer.Option("--symbol", help="Coinbase product id, e.g. BTC-USD.")]
GranularityOpt = Annotated[
    str | None,
    typer.Option("--granularity", help="ONE_MINUTE … ONE_DAY (default: configured granularity)."),
]
DataDirOpt = Annotated[
    Path | None, typer.Option("--data-dir", help="Candle store directory (default: data_dir).")
]
_SHOWN_GAPS = 10


def _granularity(settings: Settings, value: str | None) -> str:
    name = (value or settings.granularity).upper()
    try:
        granularity_seconds(name)
    except ValueError as exc:
        fail(str(exc))
    return name


def _store(granularity: str | None, data_dir: Path | None) -> tuple[Settings, CandleStore, str]:
    """What every data command starts from: the settings, the store (--data-dir, else the
    data_dir setting) and the granularity's name, checked."""
    from crpbot.data.store import CandleStore

    settings = settings_or_fail()
    name = _granularity(settings, granularity)
    return settings, CandleStore(data_dir or settings.data_dir), name


def _timestamp(option: str, value: str | None) -> datetime | None:
    """ISO date/time or unix seconds; naive values are UTC."""
    if value is None:
        return None
    import pandas as pd

    try:
        stamp = pd.Timestamp(int(value), unit="s") if value.isdigit() else pd.Timestamp(value)
    except (ValueError, TypeError):
        fail(f"{option} {value!r} is not a date/time (use ISO 8601, e.g. 2024-01-01T00:00Z)")
    stamp = stamp.tz_localize(UTC) if stamp.tzinfo is None else stamp.tz_convert(UTC)
    return stamp.to_pydatetime()


def _credentials(settings: Settings) -> CoinbaseCredentials | None:
    key, secret = settings.coinbase_api_key, settings.coinbase_api_secret
    if key is None and secret is None:
        return None
    if key is None or secret is None:
        fail("set both CRPBOT_COINBASE_API_KEY and CRPBOT_COINBASE_API_SECRET, or neither")
    from crpbot.data.coinbase_auth import CoinbaseCredentials

    try:
        return CoinbaseCredentials(key.get_secret_value(), secret.get_secret_value())
    except CoinbaseError as exc:
        fail(str(exc))


def _report_payload(report: CandleReport) -> dict[str, Any]:
    return {
        "rows": report.rows,
        "first": report.first.isoformat() if report.first is not None else None,
        "last": report.last.isoformat() if report.last is not None else None,
        "missing_bars": report.missing_bars,
        "gaps": [
            {
                "first_missing": g.first_missing.isoformat(),
                "last_missing": g.last_missing.isoformat(),
                "bars": g.bars,
            }
            for g in report.gaps
        ],
    }


def _print_update(update: StoreUpdate, path: Path, as_json: bool) -> None:
    payload = {
        "symbol": update.symbol,
        "granularity": update.granularity,
        "added": update.added,
        "file": str(path),
        **_report_payload(update.report),
    }
    if as_json:
        print_json(payload)
        return
    console.print(
        f"{update.symbol} {update.granularity}: +{update.added} bars, "
        f"{payload['rows']} stored ({payload['first']} → {payload['last']}), "
        f"{len(update.report.gaps)} gap(s) / {update.report.missing_bars} missing bars",
        highlight=False,
    )


@contextmanager
def _page_progress(client: CoinbaseClient) -> Iterator[None]:
    """A progress bar over request pages, on stderr so `--json` stdout stays parseable."""
    columns = (TextColumn("fetching pages"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=err_console, transient=True) as progress:
        task = progress.add_task("pages", total=None)
        client.on_page = lambda done, total: progress.update(task, completed=done, total=total)
        yield


@app.command("fetch")
def fetch(
    symbol: SymbolOpt,
    granularity: GranularityOpt = None,
    start: Annotated[
        str | None,
        typer.Option(
            "--start", help="First bar wanted (ISO 8601 or unix s); needed on first fetch."
        ),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option(
            "--end", help="Exclusive end (default: now); the still-open bar is never stored."
        ),
    ] = None,
    data_dir: DataDirOpt = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="API origin (default: coinbase.base_url).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Fetch only the bars not stored yet, validate them and add them to the store."""
    from crpbot.candles.validate import CandleValidationError
    from crpbot.data.coinbase import CoinbaseClient
    from crpbot.data.coinbase_http import RetryPolicy

    settings, store, name = _store(granularity, data_dir)
    first, last = _timestamp("--start", start), _timestamp("--end", end)
    until = closed_bars_end(utcnow(), name)
    if last is not None:
        until = min(until, last)
    policy = RetryPolicy(
        attempts=settings.coinbase.max_retries + 1, timeout=settings.coinbase.timeout_s
    )
    try:
        client = CoinbaseClient(
            _credentials(settings), base_url or settings.coinbase.base_url, policy=policy
        )
        with _page_progress(client):
            update = store.fetch_missing(client, symbol, name, until, start=first)
    except (CoinbaseError, CandleValidationError, ValueError) as exc:
        fail(str(exc))
    _print_update(update, store.path_for(symbol, name), as_json)


@app.command("import")
def import_file(
    input_path: Annotated[
        Path,
        typer.Option(
            "--input", help="Candle file: CSV (ts,open,high,low,close,volume) or Parquet."
        ),
    ],
    symbol: SymbolOpt,
    granularity: GranularityOpt = None,
    data_dir: DataDirOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a candle file to the store; any bad row rejects the file and the store is untouched."""
    from crpbot.candles.validate import CandleValidationError

    _, store, name = _store(granularity, data_dir)
    try:
        update = store.import_file(input_path, symbol, name)
    except (CandleValidationError, ValueError, OSError) as exc:
        fail(" ".join(str(exc).split()))
    _print_update(update, store.path_for(symbol, name), as_json)


@app.command("show")
def show(
    symbol: SymbolOpt,
    granularity: GranularityOpt = None,
    data_dir: DataDirOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Rows, first and last bar, and gaps (missing bars) of a stored series."""
    from crpbot.candles.validate import CandleValidationError

    _, store, name = _store(granularity, data_dir)
    try:
        path = store.path_for(symbol, name)
        if not path.exists():
            fail(f"no candles stored for {symbol} {name} in {store.data_dir}")
        report = store.describe(symbol, name)
    except (CandleValidationError, ValueError, OSError) as exc:
        fail(str(exc))
    payload = {"symbol": symbol, "granularity": name, "file": str(path), **_report_payload(report)}
    if as_json:
        print_json(payload)
        return
    console.print(
        f"{symbol} {name}: {report.rows} bars, {payload['first']} → {payload['last']}, "
        f"{len(report.gaps)} gap(s) / {report.missing_bars} missing bars",
        highlight=False,
    )
    for gap in report.gaps[:_SHOWN_GAPS]:
        console.print(f"  gap: {gap.first_missing} … {gap.last_missing} ({gap.bars} bars)")
    if len(report.gaps) > _SHOWN_GAPS:
        console.print(f"  … and {len(report.gaps) - _SHOWN_GAPS} more gaps (use --json)")
