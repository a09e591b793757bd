"""The operator's database tools for PostgreSQL, and the one-way move from a SQLite file to PostgreSQL.

`copy_to_postgres` is for a stopped bot: it reads the SQLite file through the same storage layer
(`bot.storage.schema`), so times arrive as timestamptz and dates as date; writes every table in
foreign-key order in one transaction; moves each identity sequence past the copied ids (new rows must
never reuse an id: `server-<id>` tips and check-in buttons carry them); and compares row counts table
by table. It refuses a target that already holds any row, so it can never merge two bots' data.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from bot.ops.database import DatabaseToolError
from bot.storage import bulk
from bot.storage.db import MIGRATIONS_DIR, Database, SchemaTooNewError, migrations, open_database, schema_version
from bot.storage.schema import COPY_ORDER

COPY_BATCH_ROWS = 1000


def latest_version() -> int:
    return migrations(MIGRATIONS_DIR / "postgres")[-1].version


def _unreachable(url: str, error: BaseException) -> DatabaseToolError:
    shown = make_url(url).render_as_string(hide_password=True)
    reason = str(getattr(error, "orig", None) or error).splitlines()[0]
    return DatabaseToolError(f"cannot use the PostgreSQL database {shown}: {reason}")


async def _open(url: str, *, apply_migrations: bool) -> Database:
    try:
        return await open_database(url, apply_migrations=apply_migrations)
    except SchemaTooNewError as error:
        raise DatabaseToolError(str(error)) from None
    except (OSError, DBAPIError, OperationalError) as error:
        raise _unreachable(url, error) from None


def migrate(url: str) -> int:
    async def run() -> int:
        database = await _open(url, apply_migrations=True)
        try:
            return await schema_version(database)
        finally:
            await database.close()

    return asyncio.run(run())


def version(url: str) -> int:
    """The schema version, read without migrating (for doctor); raises DatabaseToolError when unreachable."""

    async def run() -> int:
        database = await _open(url, apply_migrations=False)
        try:
            return await schema_version(database)
        except (OSError, DBAPIError) as error:
            raise _unreachable(url, error) from None
        finally:
            await database.close()

    return asyncio.run(run())


def check(url: str) -> list[str]:
    """['ok'] when the server answers, the schema is this code's, and every table can be read end to end."""

    async def run() -> list[str]:
        database = await _open(url, apply_migrations=False)
        try:
            current, latest = await schema_version(database), latest_version()
            if current != latest:
                return [f"schema version {current}, this kneadbot expects {latest}: run python -m bot db migrate"]
            for table in COPY_ORDER:
                await bulk.count_rows(database, table)
            return ["ok"]
        except (OSError, DBAPIError) as error:
            raise _unreachable(url, error) from None
        finally:
            await database.close()

    return asyncio.run(run())


def pg_environment(url: str) -> dict[str, str]:
    """libpq's variables for the URL, so the password never appears on a command line (`ps` shows those)."""
    parsed = make_url(url)
    pairs = {
        "PGHOST": parsed.host,
        "PGPORT": None if parsed.port is None else str(parsed.port),
        "PGUSER": parsed.username,
        "PGPASSWORD": parsed.password if isinstance(parsed.password, str) else None,
        "PGDATABASE": parsed.database,
    }
    return {**os.environ, **{name: value for name, value in pairs.items() if value}}


def backup(url: str, target: Path) -> None:
    """Run pg_dump (custom format) when it is on PATH; otherwise say how to take the backup."""
    if target.exists():
        raise DatabaseToolError(f"{target} already exists; choose a new file name.")
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise DatabaseToolError(
            "pg_dump is not on PATH: back up PostgreSQL with its own tool, e.g. "
            f"pg_dump --format=custom --file {target} (with PGHOST, PGUSER, PGDATABASE set for the server)"
        )
    done = subprocess.run(  # noqa: S603 - fixed program and arguments; the URL travels in the environment
        [pg_dump, "--format=custom", "--no-owner", f"--file={target}"],
        env=pg_environment(url),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        target.unlink(missing_ok=True)
        raise DatabaseToolError(f"pg_dump failed: {done.stderr.strip().splitlines()[-1] if done.stderr else '?'}")


def restore_advice(backup_file: Path) -> DatabaseToolError:
    """Restoring replaces the shared database of every process: left to PostgreSQL's own tool, deliberately."""
    return DatabaseToolError(
        "on PostgreSQL, stop every kneadbot process, then restore with PostgreSQL's tool: "
        f"pg_restore --clean --if-exists --no-owner --dbname=YOUR_URL {backup_file}"
    )


def copy_to_postgres(sqlite_path: Path, url: str) -> dict[str, int]:
    """Copy a stopped bot's SQLite file into an empty PostgreSQL database; returns rows per table."""
    if not sqlite_path.exists():
        raise DatabaseToolError(f"There is no SQLite database at {sqlite_path} to copy.")
    return asyncio.run(_copy(sqlite_path, url))


async def _copy(sqlite_path: Path, url: str) -> dict[str, int]:
    source = await open_database(sqlite_path)  # brings the file to this code's schema first
    try:
        target = await _open(url, apply_migrations=True)
        try:
            await _refuse_non_empty(target)
            copied = await _copy_tables(source, target)
            await _compare_counts(source, target, copied)
            return copied
        finally:
            await target.close()
    finally:
        await source.close()


async def _refuse_non_empty(target: Database) -> None:
    filled = [table.name for table in COPY_ORDER if await bulk.count_rows(target, table)]
    if filled:
        raise DatabaseToolError(
            f"the PostgreSQL database is not empty ({', '.join(filled)} hold rows); copy only into a new, empty one"
        )


async def _copy_tables(source: Database, target: Database) -> dict[str, int]:
    copied: dict[str, int] = {}
    async with target.transaction():
        for table in COPY_ORDER:
            rows = await bulk.all_rows(source, table)
            for start in range(0, len(rows), COPY_BATCH_ROWS):
                await bulk.insert_rows(target, table, rows[start : start + COPY_BATCH_ROWS])
            if bulk.has_identity(table):
                await bulk.reset_identity(target, table, await bulk.highest_id_ever(source, table))
            copied[table.name] = len(rows)
    return copied


async def _compare_counts(source: Database, target: Database, copied: Mapping[str, int]) -> None:
    for table in COPY_ORDER:
        expected, found = await bulk.count_rows(source, table), await bulk.count_rows(target, table)
        if expected != found or found != copied[table.name]:
            raise DatabaseToolError(
                f"row counts differ after the copy: {table.name} has {expected} in SQLite, {found} in PostgreSQL"
            )
