"""All-or-nothing writes on a connection shared by many coroutines.

aiosqlite runs one connection's statements in order, but coroutines interleave between awaits, so
without a lock one coroutine's COMMIT could publish another's half-finished work. `transaction`
takes a per-connection lock and a write lock in SQLite up front (BEGIN IMMEDIATE), so read-then-write
steps such as "count waiting check-ins, then insert" cannot race, in this process or another one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from weakref import WeakKeyDictionary

import aiosqlite

_locks: WeakKeyDictionary[aiosqlite.Connection, asyncio.Lock] = WeakKeyDictionary()


@asynccontextmanager
async def transaction(db: aiosqlite.Connection) -> AsyncIterator[aiosqlite.Connection]:
    """Commit everything done inside the block, or nothing if it raises. Not re-entrant."""
    lock = _locks.setdefault(db, asyncio.Lock())
    async with lock:
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
