"""A transaction cancelled at any await, or whose COMMIT fails, leaves nothing behind and the database usable."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from bot.storage.db import Database, open_database
from bot.storage.transactions import transaction
from tests.sql import fetch_all, statement

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def add_member(user_id: int) -> object:
    return statement("INSERT INTO members (user_id, consented_at) VALUES (?, ?)", (user_id, NOW))


@pytest.mark.parametrize("loop_turns_before_cancel", [0, 1, 2, 3, 5, 8])
async def test_cancelled_transaction_leaves_the_database_usable(db: Database, loop_turns_before_cancel: int) -> None:
    async def write() -> None:
        async with transaction(db):
            await db.write(add_member(1))
            await asyncio.sleep(1)

    task = asyncio.create_task(write())
    for _ in range(loop_turns_before_cancel):
        await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with transaction(db):
        await db.write(add_member(2))
    assert [row[0] for row in await fetch_all(db, "SELECT user_id FROM members")] == [2]


async def test_failed_statement_is_rolled_back_and_leaves_the_database_usable(db: Database) -> None:
    async def orphan_session() -> None:
        async with transaction(db):
            await db.write(add_member(1))
            await db.write(
                statement(
                    "INSERT INTO sessions (user_id, area, intensity, logged_at) VALUES (404, 'feet', 'light', ?)",
                    (NOW,),
                )
            )

    with pytest.raises(IntegrityError):
        await orphan_session()
    async with transaction(db):
        await db.write(add_member(3))
    assert [row[0] for row in await fetch_all(db, "SELECT user_id FROM members")] == [3]  # member 1 went too
    assert [row[0] for row in await fetch_all(db, "SELECT count(*) FROM sessions")] == [0]


async def test_transactions_do_not_nest(db: Database) -> None:
    async with transaction(db):
        with pytest.raises(RuntimeError, match="do not nest"):
            async with transaction(db):
                pass


async def test_closing_waits_for_a_single_read_in_progress(database_location: Path | str) -> None:
    """A command's read still running at shutdown finishes first: disposing its pool under it would leak the
    connection (a ResourceWarning, and a driver thread answering a loop that has ended)."""
    db = await open_database(database_location)
    counting = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 400000) SELECT count(*) FROM c"
    reading = asyncio.create_task(db.read(statement(counting, ())))
    await asyncio.sleep(0)  # the read has begun
    await db.close()
    assert reading.done() and reading.result().scalar_one() == 400000
    with pytest.raises(RuntimeError, match="closing"):  # and no new read opens a connection nobody closes
        await db.read(statement("SELECT 1", ()))


async def test_closing_waits_for_the_write_in_progress_and_keeps_it(database_location: Path | str) -> None:
    """Shutdown during a write (on_ready marking servers, say) must not turn finished work into an error."""
    db = await open_database(database_location)
    inside = asyncio.Event()

    async def write() -> None:
        async with transaction(db):
            await db.write(add_member(1))
            inside.set()
            await asyncio.sleep(0.2)  # the close below is asked for now, mid-transaction

    writing = asyncio.create_task(write())
    await inside.wait()
    await db.close()
    await writing  # committed, not "Cannot operate on a closed database"
    check = await open_database(database_location)
    try:
        assert [row[0] for row in await fetch_all(check, "SELECT user_id FROM members")] == [1]
        with pytest.raises(RuntimeError, match="closing"):  # nothing new starts on a closed database
            async with transaction(db):
                pass
    finally:
        await check.close()
