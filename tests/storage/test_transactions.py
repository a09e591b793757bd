"""A transaction cancelled at any await, or whose COMMIT fails, leaves no open transaction behind."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.storage.db import open_database
from bot.storage.transactions import close_when_idle, transaction


@pytest.mark.parametrize("loop_turns_before_cancel", [0, 1, 2, 3, 5, 8])
async def test_cancelled_transaction_leaves_the_connection_usable(
    tmp_path: Path, loop_turns_before_cancel: int
) -> None:
    db = await open_database(tmp_path / "k.sqlite3")
    try:

        async def write() -> None:
            async with transaction(db):
                await db.execute("INSERT INTO members (user_id, consented_at) VALUES (1, 'now')")
                await asyncio.sleep(1)

        task = asyncio.create_task(write())
        for _ in range(loop_turns_before_cancel):
            await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        async with transaction(db):  # raised "cannot start a transaction within a transaction" before
            await db.execute("INSERT INTO members (user_id, consented_at) VALUES (2, 'now')")
        rows = await db.execute_fetchall("SELECT user_id FROM members")
        assert [row[0] for row in rows] == [2]
    finally:
        await db.close()


async def test_failed_commit_is_rolled_back_and_leaves_the_connection_usable(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "k.sqlite3")
    try:

        async def orphan_session() -> None:
            async with transaction(db):
                # Deferred, the foreign key is only checked at COMMIT, so it is the COMMIT that fails.
                await db.execute("PRAGMA defer_foreign_keys = ON")
                await db.execute(
                    "INSERT INTO sessions (user_id, area, intensity, logged_at) VALUES (404, 'feet', 'light', 'now')"
                )

        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            await orphan_session()
        async with transaction(db):  # raised "cannot start a transaction within a transaction" before
            await db.execute("INSERT INTO members (user_id, consented_at) VALUES (1, 'now')")
        assert not db.in_transaction
        rows = await db.execute_fetchall("SELECT count(*) FROM sessions")
        assert next(iter(rows))[0] == 0
    finally:
        await db.close()


async def test_closing_waits_for_the_write_in_progress_and_keeps_it(tmp_path: Path) -> None:
    """Shutdown during a write (on_ready marking servers, say) must not turn finished work into an error."""
    path = tmp_path / "k.sqlite3"
    db = await open_database(path)
    inside = asyncio.Event()

    async def write() -> None:
        async with transaction(db):
            await db.execute("INSERT INTO members (user_id, consented_at) VALUES (1, '2026-01-01T00:00:00+00:00')")
            inside.set()
            await asyncio.sleep(0.2)  # the close below is asked for now, mid-transaction

    writing = asyncio.create_task(write())
    await inside.wait()
    await close_when_idle(db)
    await writing  # committed, not "Cannot operate on a closed database"
    check = await open_database(path)
    try:
        assert [tuple(row) for row in await check.execute_fetchall("SELECT user_id FROM members")] == [(1,)]
    finally:
        await check.close()
