"""Hold SQLite's write lock from another connection, as a second process (a backup, a migration) would."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def write_lock_held(path: Path) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE on a connection of its own until the block ends, then roll back.

    Taken at once (nobody else holds it when the block starts), so it never blocks the event loop.
    SQLite locks the file per connection, so for the bot this is the same as another process.
    """
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        holder.execute("BEGIN IMMEDIATE")
        yield holder
        holder.execute("ROLLBACK")
    finally:
        holder.close()
