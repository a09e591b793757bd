"""Open the database (SQLite file or PostgreSQL URL), keep writers and readers apart, bring the schema up to date.

`Database` holds two SQLAlchemy engines. The writer runs `transaction()` blocks; the reader serves every
query made outside one, so a read-only command never queues behind a writer and never sees a write that
is later rolled back:

- SQLite: the writer is one connection (a pool of one, which serialises the bot's transactions the way
  the former asyncio.Lock did) that opens each transaction with BEGIN IMMEDIATE, SQLite's database-wide
  write lock, so "count, then insert" steps cannot race with another process either. Readers are
  separate `mode=ro` connections with `query_only`: in WAL they read the last committed state and are
  never blocked by a writer.
- PostgreSQL: a pool of writer connections (READ COMMITTED; every read-then-write step locks its rows,
  see the storage modules' `lock_*` functions and `checkins.claim_due`), and a separate small reader
  pool whose sessions are read-only and REPEATABLE READ, so a multi-query read (an export) is one snapshot.

Migrations come in numbered pairs, `migrations/sqlite/NNNN_name.sql` and `migrations/postgres/NNNN_name.sql`
(tests/storage check that every number exists for both and yields the same columns). They only move
forward; a database newer than this code refuses to open rather than being written by code that does
not understand it. SQLite keeps its version in `PRAGMA user_version` (so today's files upgrade in
place); PostgreSQL in `schema_migrations`, changed only under a transaction-level advisory lock, so N
processes starting together migrate once.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiosqlite
from sqlalchemy import event, text
from sqlalchemy.engine import URL, CursorResult, Result, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool, StaticPool
from sqlalchemy.sql import Executable

from bot.log import get_logger
from bot.storage.schema import as_db_time, from_db_time

__all__ = [
    "Database",
    "SchemaTooNewError",
    "as_db_time",
    "from_db_time",
    "from_optional_db_time",
    "is_postgres_url",
    "migrate",
    "migrations",
    "open_database",
    "schema_version",
]

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
BUSY_TIMEOUT_MS = 5000
"""How long a SQLite statement waits for another writer's lock before giving up (set at each connect)."""
POOL_WAIT_SECONDS = 600
"""How long a transaction may wait for the writer connection: the wait is the queue, not an error."""
MIGRATION_LOCK_KEY = 0x6B6E6564  # "kned": the advisory lock every migrating process takes
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

log = get_logger(__name__)


class SchemaTooNewError(Exception):
    """The database was written by a newer kneadbot; running older code on it could corrupt it."""


@dataclass(frozen=True)
class Migration:
    version: int
    path: Path


def is_postgres_url(location: Path | str) -> bool:
    return str(location).startswith(("postgresql://", "postgresql+asyncpg://", "postgres://"))


def migrations(directory: Path) -> list[Migration]:
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


@dataclass(frozen=True)
class _Block:
    connection: AsyncConnection
    writable: bool
    task: asyncio.Task[Any] | None


class Database:
    """One database's writer and reader engines; storage functions take this as their first argument.

    Inside `transaction()` (or `snapshot()`), `read` and `write` use that block's connection, tracked per
    asyncio task in a ContextVar, so the services keep calling `storage_fn(self._db, ...)` inside
    `async with transaction(self._db):` on both back-ends. Outside a block, `read` takes a reader
    connection for the one statement; `write` refuses, so no statement can commit half of a change.
    """

    def __init__(self, writer: AsyncEngine, reader: AsyncEngine, *, location: str) -> None:
        self.writer, self.reader = writer, reader
        self.dialect: str = writer.dialect.name
        self.location = location
        """The SQLite path, or the PostgreSQL URL without its password: safe to print."""
        self._current: ContextVar[_Block | None] = ContextVar(f"kneadbot_db_{id(self)}", default=None)
        self._open_blocks = 0
        """Transactions and snapshots begun or queued and not yet finished: `close` waits for them."""
        self._idle: asyncio.Event | None = None
        self._closing = False

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Database]:
        """Commit everything done inside the block, or nothing if it raises. Not re-entrant."""
        if self._block() is not None:
            raise RuntimeError("transactions do not nest")
        async with self._counted(), self.writer.begin() as connection:
            token = self._current.set(_Block(connection, writable=True, task=asyncio.current_task()))
            try:
                yield self
            finally:
                self._current.reset(token)

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Database]:
        """Several reads that must agree with each other (an export), from one committed snapshot."""
        if self._block() is not None:
            yield self
            return
        async with self._counted(), self.reader.connect() as connection:
            token = self._current.set(_Block(connection, writable=False, task=asyncio.current_task()))
            try:
                yield self
            finally:
                self._current.reset(token)

    async def read(self, statement: Executable) -> Result[Any]:
        """Run a query: in the current block's connection, else on a reader (committed data only)."""
        current = self._block()
        if current is not None:
            return await current.connection.execute(statement)
        async with self._counted(), self.reader.connect() as connection:  # close() waits for it too
            result = await connection.execute(statement)
            return result.freeze()()

    async def write(self, statement: Executable, rows: Sequence[Mapping[str, Any]] | None = None) -> CursorResult[Any]:
        """Run a change (once, or once per row of `rows`) in the current `transaction()`; outside one it is
        a bug, and refused."""
        current = self._block()
        if current is None or not current.writable:
            raise RuntimeError("writes run inside `async with transaction(db)`")
        return await current.connection.execute(statement, rows)

    def _block(self) -> _Block | None:
        """The block this task opened. A task started inside a block inherits the ContextVar but not the
        block: it reads committed data on a reader, as any other task does."""
        current = self._current.get()
        return current if current is not None and current.task is asyncio.current_task() else None

    @asynccontextmanager
    async def _counted(self) -> AsyncIterator[None]:
        if self._closing:
            raise RuntimeError("the database is closing")
        self._open_blocks += 1
        try:
            yield
        finally:
            self._open_blocks -= 1
            if self._open_blocks == 0 and self._idle is not None:
                self._idle.set()

    async def close(self) -> None:
        """Close once every transaction and snapshot already begun (or queued) has finished.

        Shutdown can begin while an event handler is half-way through a write (on_ready marking servers,
        a check-in being settled); closing under it would turn a finished piece of work into an error.
        A block asked for after closing began is refused instead of keeping the database open.
        """
        self._closing = True
        while self._open_blocks:
            self._idle = asyncio.Event()
            await self._idle.wait()
        await self.reader.dispose()
        if self.reader is not self.writer:
            await self.writer.dispose()


async def open_database(
    location: Path | str, *, migrations_dir: Path = MIGRATIONS_DIR, apply_migrations: bool = True
) -> Database:
    """Connect (a SQLite path, or a postgresql:// URL) and apply pending migrations."""
    database = connect_postgres(str(location)) if is_postgres_url(location) else connect_sqlite(location)
    try:
        if apply_migrations:
            await migrate(database, migrations_dir)
    except BaseException:
        await database.close()
        raise
    return database


def connect_sqlite(path: Path | str) -> Database:
    """Engines for a SQLite file: one writer connection, read-only readers (see the module docstring)."""
    if str(path) == ":memory:":  # one connection is the whole database: readers share it
        engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool, async_creator=_sqlite_opener(path))
        _begin_with(engine, "BEGIN IMMEDIATE")
        return Database(engine, engine, location=":memory:")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    writer = create_async_engine(
        "sqlite+aiosqlite://",
        poolclass=AsyncAdaptedQueuePool,
        pool_size=1,
        max_overflow=0,
        pool_timeout=POOL_WAIT_SECONDS,
        async_creator=_sqlite_opener(path, pragmas=("PRAGMA journal_mode = WAL", "PRAGMA foreign_keys = ON")),
    )
    _begin_with(writer, "BEGIN IMMEDIATE")
    reader = create_async_engine(
        "sqlite+aiosqlite://",
        poolclass=AsyncAdaptedQueuePool,
        pool_size=2,
        max_overflow=2,
        async_creator=_sqlite_opener(read_only_uri(path), uri=True, pragmas=("PRAGMA query_only = ON",)),
    )
    _begin_with(reader, "BEGIN")  # deferred: a snapshot, no write lock
    return Database(writer, reader, location=str(path))


def _sqlite_opener(target: Path | str, *, uri: bool = False, pragmas: tuple[str, ...] = ()) -> Any:
    async def connect() -> aiosqlite.Connection:
        connection = await aiosqlite.connect(target, uri=uri, isolation_level=None)
        await connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_MS)}")
        for pragma in pragmas:
            await connection.execute(pragma)
        return connection

    return connect


def _begin_with(engine: AsyncEngine, begin: str) -> None:
    """SQLAlchemy's documented recipe: the driver autocommits, and we say how each transaction begins."""

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)


def read_only_uri(path: Path | str) -> str:
    """A `file:` URI (spaces and `?` percent-encoded) that opens the database read-only."""
    return f"file:{quote(str(Path(path).resolve()))}?mode=ro"


def connect_postgres(url: str) -> Database:
    """A writer pool and a read-only REPEATABLE READ reader pool on the same PostgreSQL database."""
    target = postgres_url(url)
    writer = create_async_engine(target, pool_size=5, max_overflow=10, pool_timeout=POOL_WAIT_SECONDS)
    reader = create_async_engine(
        target,
        pool_size=2,
        max_overflow=4,
        connect_args={
            "server_settings": {
                "default_transaction_read_only": "on",
                "default_transaction_isolation": "repeatable read",
            }
        },
    )
    return Database(writer, reader, location=target.render_as_string(hide_password=True))


def postgres_url(url: str) -> URL:
    parsed = make_url(url)
    return parsed.set(drivername="postgresql+asyncpg")


async def schema_version(database: Database) -> int:
    """The version of the newest migration applied (0 for an empty database)."""
    async with database.writer.connect() as connection:
        if database.is_postgres:
            exists = await connection.scalar(text("SELECT to_regclass('schema_migrations') IS NOT NULL"))
            if not exists:
                return 0
            return int(await connection.scalar(text("SELECT coalesce(max(version), 0) FROM schema_migrations")) or 0)
        return int(await connection.scalar(text("PRAGMA user_version")) or 0)


def _too_new(current: int, latest: int) -> SchemaTooNewError:
    return SchemaTooNewError(
        f"The database is at schema version {current}, but this kneadbot only knows up to {latest}. "
        "Upgrade kneadbot, or restore a backup made by this version."
    )


async def migrate(database: Database, migrations_dir: Path = MIGRATIONS_DIR) -> int:
    """Apply every migration newer than the database; return the resulting version."""
    if database.is_postgres:
        return await _migrate_postgres(database, migrations(migrations_dir / "postgres"))
    return await _migrate_sqlite(database, migrations(migrations_dir / "sqlite"))


async def _migrate_sqlite(database: Database, available: list[Migration]) -> int:
    latest = available[-1].version if available else 0
    async with database.writer.connect() as connection:
        raw = (await connection.get_raw_connection()).driver_connection
        assert isinstance(raw, aiosqlite.Connection)  # noqa: S101 - connect_sqlite's creator made it
        async with raw.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        current = int(row[0]) if row else 0
        if current > latest:
            raise _too_new(current, latest)
        for migration in available[current:]:
            script = migration.path.read_text(encoding="utf-8")
            try:
                await raw.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {migration.version};\nCOMMIT;")
            except Exception:
                await raw.rollback()
                raise
            log.info("Applied migration %s", migration.path.name)
    return max(current, latest)


async def _migrate_postgres(database: Database, available: list[Migration]) -> int:
    """All pending migrations in one transaction, under an advisory lock held until it commits."""
    latest = available[-1].version if available else 0
    async with database.writer.begin() as connection:
        await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        await connection.execute(
            text(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
        )
        current = int(await connection.scalar(text("SELECT coalesce(max(version), 0) FROM schema_migrations")) or 0)
        if current > latest:
            raise _too_new(current, latest)
        raw = (await connection.get_raw_connection()).driver_connection
        assert raw is not None  # noqa: S101 - asyncpg's connection, inside the transaction begun above
        for migration in available[current:]:
            await raw.execute(migration.path.read_text(encoding="utf-8"))  # several statements: simple protocol
            await connection.execute(
                text("INSERT INTO schema_migrations (version) VALUES (:version)"), {"version": migration.version}
            )
            log.info("Applied migration %s", migration.path.name)
    return max(current, latest)


def from_optional_db_time(text_value: str | None) -> datetime | None:
    """`from_db_time` for a value that may be NULL."""
    return None if text_value is None else from_db_time(text_value)
