"""All-or-nothing writes, and consistent reads beside them, on either back-end (see `db.Database`).

Coroutines interleave between awaits, so every write runs in `transaction(db)`: on SQLite it waits for
the one writer connection and takes SQLite's write lock up front (BEGIN IMMEDIATE), so read-then-write
steps such as "count waiting check-ins, then insert" cannot race, in this process or another one; on
PostgreSQL each transaction has its own pooled connection and such steps lock their rows first.

A SQLite lock another process holds past the busy timeout becomes `DatabaseBusy`, whose text the member
reads ("try again in a moment"), instead of an unexpected error: nothing of the request was saved.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

from sqlalchemy.exc import OperationalError

from bot.errors import DatabaseBusy
from bot.log import get_logger
from bot.storage.db import Database

_BUSY_CODES = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}

log = get_logger(__name__)


@asynccontextmanager
async def transaction(db: Database) -> AsyncIterator[Database]:
    """Commit everything done inside the block, or nothing if it raises. Not re-entrant."""
    with busy_as_database_busy():
        async with db.transaction():
            yield db


@asynccontextmanager
async def read_snapshot(db: Database) -> AsyncIterator[Database]:
    """Several reads that must agree with each other (an export), from one committed snapshot.

    Taken on a reader connection, so it never waits on writers. Single reads need no snapshot.
    """
    with busy_as_database_busy():
        async with db.snapshot():
            yield db


@contextmanager
def busy_as_database_busy() -> Iterator[None]:
    """Turn SQLite's "database is locked" (after the busy timeout) into the member-readable DatabaseBusy."""
    try:
        yield
    except (sqlite3.OperationalError, OperationalError) as error:
        if _is_busy(error):
            log.warning("The database stayed locked past the busy timeout (%s); the member was asked to retry", error)
            raise DatabaseBusy() from error
        raise


def _is_busy(error: Exception) -> bool:
    original = getattr(error, "orig", error)
    code = getattr(original, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _BUSY_CODES
    return "database is locked" in str(original) or "database table is locked" in str(original)
