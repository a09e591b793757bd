"""Hold SQLite's write lock from another connection, as a second process (a backup, a migration) would."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

TAKE_LOCK_WITHIN_S = 30.0
"""A bound for taking the lock (the bot's scheduler may be mid-transaction), never a speed requirement."""


@contextlib.asynccontextmanager
async def write_lock_held(path: Path) -> AsyncIterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE on a connection of its own until the block ends, then roll back.

    The lock is taken in a thread: if the bot is in a transaction of its own just then, waiting here
    must not stop the event loop that will finish (and so release) the bot's transaction. SQLite
    locks the file per connection, so for the bot this is the same as another process.
    """
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=TAKE_LOCK_WITHIN_S)
    try:
        await asyncio.to_thread(holder.execute, "BEGIN IMMEDIATE")
        yield holder
        holder.execute("ROLLBACK")
    finally:
        holder.close()
