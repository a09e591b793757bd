from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest

from bot.storage.db import open_database
from bot.storage.transactions import transaction


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[aiosqlite.Connection]:
    connection = await open_database(tmp_path / "k.sqlite3")
    yield connection
    await connection.close()


async def member_ids(db: aiosqlite.Connection) -> list[int]:
    return [row["user_id"] for row in await db.execute_fetchall("SELECT user_id FROM members ORDER BY user_id")]


async def add_member(db: aiosqlite.Connection, user_id: int) -> None:
    await db.execute("INSERT INTO members (user_id, consented_at) VALUES (?, 'x')", (user_id,))


async def add_member_then_fail(db: aiosqlite.Connection) -> None:
    async with transaction(db):
        await add_member(db, 1)
        raise RuntimeError("half way")


async def test_a_failing_block_leaves_nothing_behind(db: aiosqlite.Connection) -> None:
    with pytest.raises(RuntimeError, match="half way"):
        await add_member_then_fail(db)
    assert await member_ids(db) == []
    assert not db.in_transaction


async def test_blocks_on_one_connection_do_not_interleave(db: aiosqlite.Connection) -> None:
    inside = asyncio.Event()

    async def slow_failing_writer() -> None:
        async with transaction(db):
            await add_member(db, 1)
            inside.set()
            await asyncio.sleep(0.01)
            raise RuntimeError("rolled back")

    async def quick_writer() -> None:
        await inside.wait()
        async with transaction(db):  # waits its turn instead of committing the other block's row
            await add_member(db, 2)

    results = await asyncio.gather(slow_failing_writer(), quick_writer(), return_exceptions=True)

    assert isinstance(results[0], RuntimeError)
    assert results[1] is None
    assert await member_ids(db) == [2]
