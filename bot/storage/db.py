"""Open the SQLite database with safe pragmas and bring its schema up to date.

Migrations are numbered files `NNNN_name.sql` in `migrations/`, applied in order, each in its own
transaction together with `PRAGMA user_version`, so a failed migration leaves the previous schema
intact. They only move forward; a database newer than this code refuses to open rather than being
written by code that does not understand it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite

from bot.log import get_logger

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
BUSY_TIMEOUT_MS = 5000
"""How long a statement waits for another writer's lock before SQLite gives up (read at each open)."""
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

log = get_logger(__name__)


class SchemaTooNewError(Exception):
    """The database was written by a newer kneadbot; running older code on it could corrupt it."""


@dataclass(frozen=True)
class Migration:
    version: int
    path: Path


def migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    found = []
    for path in directory.glob("*.sql"):
        match = _MIGRATION_NAME.match(path.name)
        if match is None:
            raise ValueError(f"migration file name must look like 0001_name.sql: {path.name}")
        found.append(Migration(int(match[1]), path))
    found.sort(key=lambda m: m.version)
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise ValueError("migration numbers must run 0001, 0002, ... without gaps or repeats")
    return found


async def open_database(path: Path | str, *, migrations_dir: Path = MIGRATIONS_DIR) -> aiosqlite.Connection:
    """Connect, set WAL, busy timeout and foreign keys, and apply pending migrations."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = await aiosqlite.connect(path)
    try:
        db.row_factory = aiosqlite.Row
        await set_busy_timeout(db)
        await db.execute("PRAGMA journal_mode = WAL")
        await db.execute("PRAGMA foreign_keys = ON")
        await migrate(db, migrations_dir)
    except BaseException:
        await db.close()
        raise
    return db


async def open_reader(path: Path | str) -> aiosqlite.Connection | None:
    """A second, read-only connection for the queries behind read-only commands.

    Why a second connection: aiosqlite runs one connection's statements one after another, so on a
    shared connection a read queues behind a writer waiting (up to the busy timeout) for another
    process's lock, and it can see the writer's not yet committed rows. In WAL mode a separate
    connection reads the last committed state and is never blocked by a writer. Opened `mode=ro`
    with `query_only` as well, so it cannot write even by mistake. Call after `open_database` (which
    creates the file and turns WAL on). None for ":memory:", which no second connection can see.
    """
    if str(path) == ":memory:":
        return None
    reader = await aiosqlite.connect(read_only_uri(path), uri=True)
    try:
        reader.row_factory = aiosqlite.Row
        await set_busy_timeout(reader)
        await reader.execute("PRAGMA query_only = ON")
    except BaseException:
        await reader.close()
        raise
    return reader


def read_only_uri(path: Path | str) -> str:
    """A `file:` URI (spaces and `?` percent-encoded) that opens the database read-only."""
    return f"{Path(path).resolve().as_uri()}?mode=ro"


async def set_busy_timeout(db: aiosqlite.Connection) -> None:
    await db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_MS)}")


async def schema_version(db: aiosqlite.Connection) -> int:
    async with db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def migrate(db: aiosqlite.Connection, migrations_dir: Path = MIGRATIONS_DIR) -> int:
    """Apply every migration newer than the database; return the resulting version."""
    available = migrations(migrations_dir)
    current = await schema_version(db)
    latest = available[-1].version if available else 0
    if current > latest:
        raise SchemaTooNewError(
            f"The database is at schema version {current}, but this kneadbot only knows up to {latest}. "
            "Upgrade kneadbot, or restore a backup made by this version."
        )
    for migration in available[current:]:
        script = migration.path.read_text(encoding="utf-8")
        try:
            await db.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {migration.version};\nCOMMIT;")
        except Exception:
            await db.rollback()
            raise
        log.info("Applied migration %s", migration.path.name)
    return max(current, latest)


def as_db_time(moment: datetime) -> str:
    """One sortable UTC text format for every stored time, so comparisons in SQL are correct."""
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not stored: attach a time zone first")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_db_time(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def from_optional_db_time(text: str | None) -> datetime | None:
    """`from_db_time` for a column that may be NULL (not yet sent, never left, ...)."""
    return None if text is None else from_db_time(text)
