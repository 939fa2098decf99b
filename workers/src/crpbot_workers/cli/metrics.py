"""`crpbot metrics export`: a period's per-hour observation metrics as CSV and JSON.

It reads the database (`--database-url`, else the `database_url` setting) and never writes to
it; the paper account starts at `risk.account_size` and risks `risk.risk_per_trade_pct` per
approved signal, as in `crpbot report daily`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from crpbot_workers.cli.common import DatabaseUrlOpt, console, fail, print_json, settings_or_fail
from crpbot_workers.cli.observation import (
    AccountOpt,
    BotOpt,
    JsonOpt,
    OutOpt,
    parse_bound,
    read_or_fail,
    sessions_or_fail,
)

app = typer.Typer(help="Export observation metrics as CSV and JSON.", no_args_is_help=True)


@app.command("export")
def export(
    start: Annotated[
        str, typer.Option("--from", help="Start: a date (its midnight, UTC) or an ISO time.")
    ],
    end: Annotated[
        str, typer.Option("--to", help="End: a date (included whole) or an ISO time (excluded).")
    ],
    formats: Annotated[
        str, typer.Option("--format", help="Comma-separated: csv, json.")
    ] = "csv,json",
    out: OutOpt = None,
    bot: BotOpt = None,
    account: AccountOpt = None,
    database_url: DatabaseUrlOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write the period's per-hour metrics and summary (hourly.csv, summary.csv, metrics.json)."""
    from crpbot_workers.reports.metrics_export import checked_formats, export_metrics

    settings = settings_or_fail()
    begin = parse_bound(start, "--from", end=False)
    finish = parse_bound(end, "--to", end=True)
    if finish <= begin:
        fail("--to must be after --from")
    try:
        wanted = checked_formats(formats.split(","))
    except ValueError as exc:
        fail(f"--format: {exc}")
    sessions = sessions_or_fail(database_url or settings.database_url.get_secret_value())
    paths = read_or_fail(
        lambda: export_metrics(
            sessions,
            bot or settings.bot_name,
            begin,
            finish,
            out or settings.report_dir,
            formats=wanted,
            account=account,
            account_size=settings.risk.account_size,
            limits=settings.risk.limits(),
            skill=settings.skill_rules(),
        ),
        f"exporting {begin:%Y-%m-%d %H:%M} → {finish:%Y-%m-%d %H:%M} UTC",
    )
    if as_json:
        print_json({"directory": paths.directory, "files": list(paths.files)})
        return
    for path in paths.files:
        console.print(str(path), highlight=False)
