"""`crpbot scan --once` (one cycle: the cluster's CronJob) and `crpbot run` (the local loop).

Both are wired from settings by `crpbot_workers.scanner.wiring`; observation mode (dry run) is
the default and no command here ever sends an order.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import typer

from crpbot.clock import utcnow
from crpbot_workers.cli.common import JsonOpt, console, fail, print_json, settings_or_fail

if TYPE_CHECKING:
    from crpbot.config import Settings
    from crpbot.scan.report import CycleReport
    from crpbot_workers.scanner.health import HealthServer
    from crpbot_workers.scanner.wiring import WiredScanner

DataOpt = Annotated[
    str | None,
    typer.Option(
        "--data",
        help="Scan these candles instead of the store: bundled:NAME (e.g. bundled:EURUSD) "
        "or a candle CSV; the symbol is the dataset's name.",
    ),
]
MigrateOpt = Annotated[
    bool, typer.Option("--migrate/--no-migrate", help="Apply database migrations first.")
]


def _parse_now(value: str | None) -> datetime:
    if value is None:
        return utcnow()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        fail(f"--now {value!r} is not an ISO 8601 time (e.g. 2018-02-01T12:00Z)")
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _wire(settings: Settings, data: str | None, migrate: bool) -> WiredScanner:
    """The scanner, or a one-line failure naming what to fix."""
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from crpbot.telemetry.metrics import setup_telemetry
    from crpbot.telemetry.tracing import setup_tracing
    from crpbot_workers.scanner.wiring import WiringError, build_scanner

    frames = None
    if data is not None:
        from crpbot_workers.cli.candles import load_candles

        try:
            candles, symbol = load_candles(data)
        except (OSError, ValueError, KeyError) as exc:
            fail(f"cannot read --data {data}: {exc}")
        frames = {symbol: candles}
    exporter, endpoint = settings.telemetry.exporter, settings.telemetry.otlp_endpoint
    try:
        telemetry = setup_telemetry(exporter, endpoint, service="scanner")
        setup_tracing(endpoint if exporter == "otlp" else None, service="scanner")
        return build_scanner(settings, frames=frames, migrate=migrate, telemetry=telemetry)
    except WiringError as exc:
        fail(str(exc))
    except (ArgumentError, ValueError) as exc:
        fail(f"invalid settings: {exc}")
    except (SQLAlchemyError, OSError) as exc:
        fail(f"cannot open or migrate the database: {type(exc).__name__}")


def report_payload(report: CycleReport) -> dict[str, object]:
    """The `--json` form of one cycle."""
    return {
        "bot": report.bot,
        "now": report.now.isoformat(),
        "event_ts": report.event_ts.isoformat(),
        "result": report.result,
        "duration_s": round(report.duration_s, 4),
        "paused": report.paused,
        "replayed": report.replayed,
        "symbols": [
            {
                "symbol": r.symbol,
                "outcome": r.outcome,
                "signal_id": r.signal_id,
                "side": r.side,
                "tier": r.tier,
                "confidence": r.confidence,
                "size": r.size,
                "reasons": list(r.reasons),
                "error": r.error,
            }
            for r in report.results
        ],
    }


def _print_report(report: CycleReport) -> None:
    from rich.table import Table

    if report.paused:
        console.print(f"[yellow]{report.bot} is paused[/]: cycle skipped (resume to scan)")
        return
    table = Table(title=f"scan {report.bot} @ {report.event_ts:%Y-%m-%d %H:%M}Z ({report.result})")
    for column in ("symbol", "outcome", "side", "tier", "confidence", "size", "reasons"):
        table.add_column(column)
    for r in report.results:
        confidence = "" if r.confidence is None else f"{r.confidence:.3f}"
        detail = r.error or ", ".join(r.reasons)
        size = f"{r.size:.4g}" if r.size else ""
        table.add_row(r.symbol, r.outcome, r.side or "", r.tier or "", confidence, size, detail)
    console.print(table)
    console.print(f"{report.duration_s:.2f}s, {report.replayed} spooled signal(s) replayed")


def scan(
    once: Annotated[
        bool, typer.Option("--once", help="Run exactly one cycle now and exit (required).")
    ] = False,
    now: Annotated[
        str | None,
        typer.Option("--now", help="Scan as of this UTC time (ISO 8601) instead of the clock."),
    ] = None,
    data: DataOpt = None,
    migrate: MigrateOpt = True,
    as_json: JsonOpt = False,
) -> None:
    """One scan cycle: fetch closed bars, score, gate, store, risk-check, notify approvals.

    Exits 1 when every symbol failed, 0 otherwise (per-symbol failures are in the summary).
    """
    if not once:
        fail("pass --once for a single cycle, or use `crpbot run` for the loop")
    moment = _parse_now(now)
    wired = _wire(settings_or_fail(), data, migrate)
    try:
        report = wired.scanner.run_cycle(moment)
    finally:
        wired.close()
    _flush_telemetry()
    if as_json:
        print_json(report_payload(report))
    else:
        _print_report(report)
    if report.result == "failed":
        raise typer.Exit(1)


def _serve_health(settings: Settings, wired: WiredScanner, host: str, port: int) -> HealthServer:
    from crpbot_workers.scanner.health import HealthServer, scanner_readiness

    readiness = scanner_readiness(settings, wired.engine)
    server = HealthServer(readiness, wired.scanner.deps.telemetry, host, port)
    try:
        server.start()
    except OSError as exc:
        wired.close()
        fail(f"--metrics-port {port}: {exc}")
    return server


def _flush_telemetry() -> None:
    from crpbot.telemetry.metrics import get_telemetry

    get_telemetry().flush()


def run(
    interval: Annotated[
        int, typer.Option("--interval", min=1, help="Seconds between cycles (on the clock grid).")
    ] = 120,
    settle: Annotated[
        float,
        typer.Option("--settle", min=0, help="Seconds after each grid time before scanning."),
    ] = 5.0,
    max_cycles: Annotated[
        int | None, typer.Option("--max-cycles", min=1, help="Stop after this many cycles.")
    ] = None,
    data: DataOpt = None,
    migrate: MigrateOpt = True,
    as_json: JsonOpt = False,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            "--metrics-port",
            min=1,
            max=65535,
            help="Serve /healthz, /readyz and /metrics (Prometheus exporter) on this port.",
            show_default=False,
        ),
    ] = None,
    metrics_host: Annotated[
        str, typer.Option("--metrics-host", help="Address for --metrics-port.")
    ] = "0.0.0.0",
) -> None:
    """Scan in a loop aligned to candle closes until SIGTERM/SIGINT.

    A stop signal lets the cycle under way finish, then exits 0. With --json each cycle's
    result is printed as one JSON line.
    """
    import json
    import threading

    from crpbot_workers.scanner.loop import run_loop, stop_on_signals

    settings = settings_or_fail()
    wired = _wire(settings, data, migrate)
    if metrics_port is not None:
        wired.closers.insert(0, _serve_health(settings, wired, metrics_host, metrics_port).stop)

    def _show(report: CycleReport) -> None:
        if as_json:
            typer.echo(json.dumps(report_payload(report)))
        else:
            _print_report(report)
        _flush_telemetry()

    stop = threading.Event()
    try:
        with stop_on_signals(stop):
            cycles = run_loop(
                wired.scanner,
                stop,
                interval=timedelta(seconds=interval),
                settle=timedelta(seconds=settle),
                on_cycle=_show,
                max_cycles=max_cycles,
            )
    finally:
        wired.close()
    if not as_json:
        console.print(f"stopped after {cycles} cycle(s)")
