"""All-or-nothing writes on a connection shared by many coroutines, and consistent reads beside them.

aiosqlite runs one connection's statements in order, but coroutines interleave between awaits, so
without a lock one coroutine's COMMIT could publish another's half-finished work. `transaction`
takes a per-connection lock and a write lock in SQLite up front (BEGIN IMMEDIATE), so read-then-write
steps such as "count waiting check-ins, then insert" cannot race, in this process or another one.

A lock another process holds past the busy timeout becomes `DatabaseBusy`, whose text the member
reads ("try again in a moment"), instead of an unexpected error: nothing of the request was saved.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from weakref import WeakKeyDictionary

import aiosqlite

from bot.errors import DatabaseBusy
from bot.log import get_logger

_locks: WeakKeyDictionary[aiosqlite.Connection, asyncio.Lock] = WeakKeyDictionary()
_BUSY_CODES = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}

log = get_logger(__name__)


@asynccontextmanager
async def transaction(db: aiosqlite.Connection) -> AsyncIterator[aiosqlite.Connection]:
    """Commit everything done inside the block, or nothing if it raises. Not re-entrant."""
    lock = _locks.setdefault(db, asyncio.Lock())
    async with lock:
        with busy_as_database_busy():
            try:
                await db.execute("BEGIN IMMEDIATE")
                yield db
                # Inside the try: a COMMIT that fails (a deferred constraint, a full disk) leaves SQLite in
                # the transaction, and only the rollback below closes it for the next caller.
                await db.commit()
            except BaseException:
                # Also when cancelled while BEGIN was still queued: aiosqlite runs requests in order, so this
                # rollback comes after the BEGIN and no transaction is left open for the next caller.
                await asyncio.shield(db.rollback())
                raise


@asynccontextmanager
async def read_snapshot(reader: aiosqlite.Connection) -> AsyncIterator[aiosqlite.Connection]:
    """Several reads that must agree with each other (an export), from one committed snapshot.

    A deferred BEGIN on the read connection takes no write lock, so it never waits on writers; the
    lock keeps two snapshots on the same connection from nesting. Single reads need no snapshot.
    """
    lock = _locks.setdefault(reader, asyncio.Lock())
    async with lock:
        with busy_as_database_busy():
            await reader.execute("BEGIN")
            try:
                yield reader
            finally:
                await asyncio.shield(reader.rollback())


async def close_when_idle(db: aiosqlite.Connection) -> None:
    """Close the connection once the transaction or snapshot in progress on it has finished.

    Shutdown can begin while an event handler is half-way through a write (on_ready marking servers,
    a check-in being settled); closing under it would turn a finished piece of work into an error.
    """
    async with _locks.setdefault(db, asyncio.Lock()):
        await db.close()


@contextmanager
def busy_as_database_busy() -> Iterator[None]:
    """Turn SQLite's "database is locked" (after the busy timeout) into the member-readable DatabaseBusy."""
    try:
        yield
    except sqlite3.OperationalError as error:
        if getattr(error, "sqlite_errorcode", None) is not None and error.sqlite_errorcode & 0xFF in _BUSY_CODES:
            log.warning("The database stayed locked past the busy timeout (%s); the member was asked to retry", error)
            raise DatabaseBusy() from error
        raise
