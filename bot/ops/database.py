"""`python -m bot db backup|restore|check|migrate`.

Backups use SQLite's online backup API, which copies a consistent snapshot even while the bot is
writing (WAL mode), so an operator never has to stop the bot to take one.
"""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

from bot.storage.db import MIGRATIONS_DIR, SchemaTooNewError, migrations, open_database


class DatabaseToolError(Exception):
    """A database command could not run; the message says why and what to do."""


def latest_version() -> int:
    found = migrations(MIGRATIONS_DIR)
    return found[-1].version if found else 0


def backup(source: Path, target: Path) -> None:
    """Copy `source` to `target` with the online backup API; refuses to overwrite an existing file."""
    if not source.exists():
        raise DatabaseToolError(f"There is no database at {source} to back up.")
    if target.exists():
        raise DatabaseToolError(f"{target} already exists; choose a new file name.")
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def integrity(path: Path) -> list[str]:
    """SQLite's own integrity check: ['ok'] when the file is sound."""
    if not path.exists():
        raise DatabaseToolError(f"There is no database at {path}.")
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        return [str(row[0]) for row in db.execute("PRAGMA integrity_check")]


def version_of(path: Path) -> int:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        return int(db.execute("PRAGMA user_version").fetchone()[0])


def restore(backup_file: Path, target: Path) -> None:
    """Replace `target`'s contents with a checked backup. Stop the bot first: it holds the old file open."""
    if not backup_file.exists():
        raise DatabaseToolError(f"There is no backup at {backup_file}.")
    problems = integrity(backup_file)
    if problems != ["ok"]:
        raise DatabaseToolError(f"The backup is damaged: {'; '.join(problems[:3])}")
    if version_of(backup_file) > latest_version():
        raise DatabaseToolError("The backup was made by a newer kneadbot; upgrade kneadbot first.")
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(backup_file)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def migrate(path: Path) -> int:
    """Bring the database up to this code's schema; returns the version it is at."""

    async def run() -> int:
        try:
            db = await open_database(path)
        except SchemaTooNewError as error:
            raise DatabaseToolError(str(error)) from None
        await db.close()
        return version_of(path)

    return asyncio.run(run())
