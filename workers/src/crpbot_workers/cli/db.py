"""`crpbot db`: migrate the database and show its schema revision.

The URL comes from `--database-url`, else the `database_url` setting (CRPBOT_DATABASE_URL,
default SQLite at var/crpbot.db). Passwords in URLs are never printed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from crpbot_workers.cli.common import (
    DatabaseUrlOpt,
    JsonOpt,
    console,
    fail,
    print_json,
    settings_or_fail,
)

if TYPE_CHECKING:
    from sqlalchemy.exc import SQLAlchemyError

app = typer.Typer(help="Database schema: migrate and inspect.", no_args_is_help=True)


def _url(value: str | None) -> tuple[str, str]:
    """The URL to use and its printable form (password hidden); bad URLs end the command."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    url = value if value is not None else settings_or_fail().database_url.get_secret_value()
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        fail("invalid --database-url: expected an SQLAlchemy URL such as sqlite:///var/crpbot.db")
    return url, shown


def _db_error(shown: str, exc: SQLAlchemyError) -> str:
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    return f"database {shown}: {type(exc).__name__}: {reason}"


@app.command("upgrade")
def upgrade_cmd(
    database_url: DatabaseUrlOpt = None,
    revision: Annotated[
        str, typer.Option("--revision", help="Target revision (default: newest).")
    ] = "head",
    as_json: JsonOpt = False,
) -> None:
    """Apply the schema migrations shipped with crpbot (safe to run again: a no-op at head).

    All pending migrations run in one transaction: on failure the database keeps its revision.
    Before a SQLite file at an older revision is migrated, a copy is kept beside it:
    `<file>.<revision>.<UTC time>.bak`, e.g. `var/crpbot.db.0001.20261205T101530Z.bak`.
    To go back: stop every crpbot process on the file, then put the copy in its place.
    No copy for a new or up-to-date database, in-memory SQLite or PostgreSQL (use pg_dump).
    """
    from sqlalchemy.exc import SQLAlchemyError

    from crpbot.db.engine import head_revision, migrate

    url, shown = _url(database_url)
    _current_or_fail(url, shown)
    try:
        done = migrate(url, revision)
    except SQLAlchemyError as exc:
        fail(_db_error(shown, exc), code=1)
    except Exception as exc:  # alembic reports unknown revisions with its own error types
        fail(f"cannot migrate {shown} to {revision!r}: {exc}", code=1)
    backup = str(done.backup) if done.backup else None
    if as_json:
        print_json(
            {
                "database": shown,
                "from": done.before,
                "to": done.after,
                "head": head_revision(),
                "backup": backup,
            }
        )
        return
    console.print(f"{shown}: {done.before or 'empty'} → {done.after}", highlight=False)
    if backup:
        console.print(f"copy of the database at {done.before}: {backup}", highlight=False)


def _current_or_fail(url: str, shown: str) -> str | None:
    from sqlalchemy.exc import SQLAlchemyError

    from crpbot.db.engine import current_revision

    try:
        revision: str | None = current_revision(url)
    except SQLAlchemyError as exc:
        fail(_db_error(shown, exc), code=1)
    return revision


@app.command("current")
def current_cmd(
    database_url: DatabaseUrlOpt = None,
    check: Annotated[
        bool,
        typer.Option("--check", help="Exit 1 when the database is not at the newest revision."),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Show the database's schema revision and whether it is the newest one."""
    from crpbot.db.engine import head_revision

    url, shown = _url(database_url)
    current = _current_or_fail(url, shown)
    head = head_revision()
    up_to_date = current == head
    if as_json:
        print_json({"database": shown, "current": current, "head": head, "up_to_date": up_to_date})
    else:
        state = "up to date" if up_to_date else "behind: run `crpbot db upgrade`"
        console.print(
            f"{shown}: revision {current or 'none'} (head {head}, {state})", highlight=False
        )
    if check and not up_to_date:
        raise typer.Exit(1)
