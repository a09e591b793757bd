"""SQL for `housekeeping`: the durable schedule of the retention purges, and deleting in batches.

Each task has one row (0007_housekeeping.sql). A task is claimed by one guarded UPDATE that moves its
`next_run_at` past now (the lease), so of several callers exactly one gets it; on PostgreSQL the claim
also takes a transaction-level advisory lock per task first (`try_lock`), so a second process skips the
task at once instead of queueing on its row. Settling is guarded by `claimed_at`, so a run whose lease
ran out and was claimed again can no longer overwrite the newer run's result.
"""

from __future__ import annotations

import zlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from bot.storage.db import Database
from bot.storage.schema import housekeeping, insert
from bot.storage.transactions import transaction

LOCK_CLASS = 0x6B6E6864  # "knhd": the first key of every housekeeping advisory lock (the second names the task)
BATCH_ROWS = 1000
"""Rows a purge deletes per transaction: a big purge never holds SQLite's write lock for long."""


@dataclass(frozen=True)
class ScheduledTask:
    """One task's row, for status output."""

    name: str
    next_run_at: datetime
    claimed_at: datetime | None
    last_run_at: datetime | None
    last_result: str | None


def lock_key(name: str) -> int:
    """A fixed int4 per task name (CRC-32, signed), the same in every process (unlike `hash()`)."""
    return int.from_bytes(zlib.crc32(name.encode()).to_bytes(4, "big"), "big", signed=True)


async def ensure(db: Database, names: Sequence[str], first_run_at: datetime) -> None:
    """Add a row for each task not yet scheduled, due at `first_run_at`; existing rows keep their schedule."""
    for name in names:
        statement = insert(db.dialect, housekeeping).values(name=name, next_run_at=first_run_at, attempts=0)
        await db.write(statement.on_conflict_do_nothing(index_elements=["name"]))


async def due_names(db: Database, names: Sequence[str], now: datetime) -> list[str]:
    statement = (
        select(housekeeping.c.name)
        .where(housekeeping.c.name.in_(names), housekeeping.c.next_run_at <= now)
        .order_by(housekeeping.c.next_run_at, housekeeping.c.name)
    )
    return [str(name) for name in (await db.read(statement)).scalars()]


async def try_lock(db: Database, name: str) -> bool:
    """PostgreSQL: this task's advisory lock until the transaction ends, or False at once if another
    process holds it. SQLite: True (BEGIN IMMEDIATE already runs one claim at a time)."""
    if not db.is_postgres:
        return True
    statement = select(func.pg_try_advisory_xact_lock(LOCK_CLASS, lock_key(name)))
    return bool((await db.read(statement)).scalar_one())


async def claim(db: Database, name: str, now: datetime, lease_until: datetime) -> int | None:
    """Take a due task until `lease_until`; returns which attempt this is, or None (not due, or taken)."""
    statement = (
        update(housekeeping)
        .where(housekeeping.c.name == name, housekeeping.c.next_run_at <= now)
        .values(next_run_at=lease_until, claimed_at=now, attempts=housekeeping.c.attempts + 1)
        .returning(housekeeping.c.attempts)
    )
    found = (await db.write(statement)).scalar()
    return None if found is None else int(found)


async def finish(
    db: Database,
    name: str,
    claimed_at: datetime,
    *,
    next_run_at: datetime,
    ran_at: datetime,
    result: str,
    retrying: bool,
) -> bool:
    """Settle a claimed run: when next, when it ran and how; the attempt count is kept only while retrying.
    False when the claim is no longer this one's (its lease ran out and another run took the task)."""
    attempts = housekeeping.c.attempts if retrying else 0
    statement = (
        update(housekeeping)
        .where(housekeeping.c.name == name, housekeeping.c.claimed_at == claimed_at)
        .values(next_run_at=next_run_at, claimed_at=None, last_run_at=ran_at, last_result=result, attempts=attempts)
    )
    return (await db.write(statement)).rowcount == 1


async def release(db: Database, name: str, claimed_at: datetime, at: datetime) -> None:
    """Hand back a claim that was never run (stopping mid-batch): due again at `at`, uncounted."""
    await db.write(
        update(housekeeping)
        .where(housekeeping.c.name == name, housekeeping.c.claimed_at == claimed_at)
        .values(next_run_at=at, claimed_at=None, attempts=housekeeping.c.attempts - 1)
    )


async def next_run_at(db: Database, names: Sequence[str]) -> datetime | None:
    statement = select(func.min(housekeeping.c.next_run_at)).where(housekeeping.c.name.in_(names))
    found: datetime | None = (await db.read(statement)).scalar()
    return found


async def schedule(db: Database) -> list[ScheduledTask]:
    """Every task's row, by name: what `python -m bot doctor` shows."""
    rows = (await db.read(select(housekeeping).order_by(housekeeping.c.name))).mappings()
    return [
        ScheduledTask(
            name=row["name"],
            next_run_at=row["next_run_at"],
            claimed_at=row["claimed_at"],
            last_run_at=row["last_run_at"],
            last_result=row["last_result"],
        )
        for row in rows
    ]


DeleteBatch = Callable[[Database, int], Awaitable[int]]
"""Deletes at most the given number of rows (inside the caller's transaction) and returns how many."""


async def delete_in_batches(db: Database, delete_batch: DeleteBatch, batch_size: int = BATCH_ROWS) -> int:
    """Run `delete_batch` in a transaction of its own, again and again, until a batch comes back short.

    Hand-written because it is a loop of our own transactions: each batch commits on its own, so other
    writers get the lock between batches, and a run cut off half-way keeps what it deleted (a purge is
    idempotent: the next run goes on from there). Returns the rows deleted in all.
    """
    total = 0
    while True:
        async with transaction(db):
            removed = await delete_batch(db, batch_size)
        total += removed
        if removed < batch_size:
            return total
