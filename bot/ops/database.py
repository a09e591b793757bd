"""`python -m bot db backup|restore|check|migrate` for the SQLite file (PostgreSQL: `bot.ops.postgres`).

Backups use SQLite's online backup API, which copies a consistent snapshot even while the bot is
writing (WAL mode), so an operator never has to stop the bot to take one.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path

from bot.storage.db import MIGRATIONS_DIR, SchemaTooNewError, migrations, open_database


class DatabaseToolError(Exception):
    """A database command could not run; the message says why and what to do."""


def read_only(path: Path) -> sqlite3.Connection:
    """Open without any write (not even a journal), through a URI that escapes `?` and `#` in the path."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def damaged(path: Path) -> str:
    return (
        f"the database at {path} is not a SQLite database (or is damaged): "
        "restore a backup with 'python -m bot db restore'"
    )


def unwritable(folder: Path, why: str) -> str:
    return f"cannot write to the folder {folder} ({why}): create it, give this user write access, or set KNEADBOT_DB"


def writable_folder(folder: Path) -> None:
    """Raise DatabaseToolError unless a file can be created in `folder` or the folder could be made.

    Why try instead of os.access: os.access says yes to root under /proc and on read-only mounts,
    where creating the file then fails at first start.
    """
    existing = next(parent for parent in (folder, *folder.parents) if parent.exists())
    if not existing.is_dir():
        raise DatabaseToolError(unwritable(folder, f"{existing} is a file"))
    try:
        with tempfile.NamedTemporaryFile(dir=existing, prefix=".kneadbot-write-test-"):
            pass
    except OSError as error:
        raise DatabaseToolError(unwritable(folder, error.strerror or str(error))) from None


def readable_database(path: Path, *, thorough: bool = False) -> None:
    """Raise DatabaseToolError unless `path` opens as SQLite; read-only, so a damaged file stays as it is.

    `thorough` runs `PRAGMA quick_check` (every page; for doctor), otherwise only the header and schema are read.
    """
    if path.is_dir():
        raise DatabaseToolError(f"the database path {path} is a folder; set KNEADBOT_DB to a file")
    if not os.access(path, os.R_OK):
        raise DatabaseToolError(f"cannot read the database at {path}: give this user read and write access")
    try:
        with closing(read_only(path)) as db:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            if thorough and [row[0] for row in db.execute("PRAGMA quick_check")] != ["ok"]:
                raise DatabaseToolError(damaged(path))
    except sqlite3.DatabaseError:
        raise DatabaseToolError(damaged(path)) from None


def usable(path: Path, *, thorough: bool = False) -> None:
    """Everything that would stop the bot opening `path`, found before anything is written to it."""
    writable_folder(path.parent)
    if path.exists():
        readable_database(path, thorough=thorough)


def explain(path: Path, error: BaseException) -> DatabaseToolError:
    """One line for an error SQLite raised while opening or migrating `path`, instead of its traceback."""
    if isinstance(error, DatabaseToolError):
        return error
    text = str(error)
    if isinstance(error, OSError) or "unable to open" in text or "readonly" in text:
        return DatabaseToolError(unwritable(path.parent, getattr(error, "strerror", None) or text))
    if isinstance(error, sqlite3.DatabaseError) and ("not a database" in text or "malformed" in text):
        return DatabaseToolError(damaged(path))
    return DatabaseToolError(f"the database at {path} could not be opened: {text}")


def latest_version() -> int:
    found = migrations(MIGRATIONS_DIR / "sqlite")
    return found[-1].version if found else 0


def backup(source: Path, target: Path) -> None:
    """Copy `source` to `target` with the online backup API; refuses to overwrite an existing file."""
    if not source.exists():
        raise DatabaseToolError(f"There is no database at {source} to back up.")
    if target.exists():
        raise DatabaseToolError(f"{target} already exists; choose a new file name.")
    readable_database(source)
    writable_folder(target.parent)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _backup_api(source, target)
    except (OSError, sqlite3.Error) as error:
        raise DatabaseToolError(f"could not write the backup to {target}: {error}") from None


def integrity(path: Path) -> list[str]:
    """SQLite's own integrity check: ['ok'] when the file is sound."""
    if not path.exists():
        raise DatabaseToolError(f"There is no database at {path}.")
    readable_database(path)
    try:
        with closing(read_only(path)) as db:
            return [str(row[0]) for row in db.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError:
        raise DatabaseToolError(damaged(path)) from None


def version_of(path: Path) -> int:
    with closing(read_only(path)) as db:
        return int(db.execute("PRAGMA user_version").fetchone()[0])


def restore(backup_file: Path, target: Path) -> None:
    """Replace `target`'s contents with a checked backup. Stop the bot first: it holds the old file open."""
    if not backup_file.exists():
        raise DatabaseToolError(f"There is no backup at {backup_file}.")
    try:
        problems = integrity(backup_file)
    except DatabaseToolError:
        raise DatabaseToolError(
            f"{backup_file} is not a SQLite database (or is damaged); pick another backup"
        ) from None
    if problems != ["ok"]:
        raise DatabaseToolError(f"The backup is damaged: {'; '.join(problems[:3])}")
    if version_of(backup_file) > latest_version():
        raise DatabaseToolError("The backup was made by a newer kneadbot; upgrade kneadbot first.")
    writable_folder(target.parent)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _copy_over(backup_file, target)
    except (OSError, sqlite3.Error) as error:
        raise explain(target, error) from None


def _copy_over(backup_file: Path, target: Path) -> None:
    """Copy into a sound target with the backup API; a damaged one (the usual reason to restore) cannot
    be opened as SQLite, so the backup is written beside it and renamed over it, with its stale WAL files gone."""
    try:
        if target.exists():
            readable_database(target)
    except DatabaseToolError:
        fresh = target.with_name(f".{target.name}.restoring")
        fresh.unlink(missing_ok=True)
        _backup_api(backup_file, fresh)
        for stale in (target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
            stale.unlink(missing_ok=True)
        os.replace(fresh, target)
        return
    _backup_api(backup_file, target)


def _backup_api(source: Path, target: Path) -> None:
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def migrate(path: Path) -> int:
    """Bring the database up to this code's schema; returns the version it is at."""

    async def run() -> int:
        usable(path)
        try:
            db = await open_database(path)
        except SchemaTooNewError as error:
            raise DatabaseToolError(str(error)) from None
        except (OSError, sqlite3.Error) as error:
            raise explain(path, error) from None
        await db.close()
        return version_of(path)

    return asyncio.run(run())
