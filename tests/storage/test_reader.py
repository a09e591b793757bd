"""The read connection: readers see only committed rows and never wait on a writer; a lock held too
long is a clear DatabaseBusy, and nothing half-done is kept."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import aiosqlite
import pytest

from bot.checkins.service import CheckinService
from bot.errors import DatabaseBusy
from bot.guilds.audit import AuditTrail
from bot.guilds.service import GuildService
from bot.guilds.tips import GuildTipService
from bot.storage import db as db_module
from bot.storage import members as members_sql
from bot.storage.db import open_database, open_reader
from bot.storage.transactions import transaction
from tests.clock import FakeClock
from tests.dblock import write_lock_held

MEMBER, GUILD = 1001, 5005
WAIT_BOUND_S = 30  # far beyond any machine's speed; only a read stuck behind the lock gets near it


class Abandon(Exception):
    """Raised inside a transaction to roll it back."""


@pytest.fixture
def service(db: aiosqlite.Connection, reader: aiosqlite.Connection, clock: FakeClock) -> CheckinService:
    return CheckinService(db, clock=clock, reader=reader)


async def test_a_reader_never_sees_a_write_that_is_later_rolled_back(
    db: aiosqlite.Connection, service: CheckinService, clock: FakeClock
) -> None:
    seen_during_write: list[object] = []

    async def write_then_abandon() -> None:
        async with transaction(db):
            await members_sql.add_consent(db, MEMBER, clock())
            seen_during_write.append(await service.settings(MEMBER))
            raise Abandon

    with pytest.raises(Abandon):
        await write_then_abandon()
    assert seen_during_write == [None]
    assert await service.settings(MEMBER) is None


async def test_a_reader_sees_a_commit_at_once(service: CheckinService) -> None:
    await service.give_consent(MEMBER)
    settings = await service.settings(MEMBER)
    assert settings is not None
    assert settings.user_id == MEMBER


async def test_the_read_connection_cannot_write(reader: aiosqlite.Connection) -> None:
    with pytest.raises(sqlite3.OperationalError, match=r"readonly|read-only"):
        await reader.execute("INSERT INTO members (user_id, consented_at) VALUES (1, 'now')")


async def test_an_in_memory_database_has_no_separate_reader() -> None:
    assert await open_reader(":memory:") is None


async def test_reads_answer_while_another_process_holds_the_write_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FakeClock
) -> None:
    """Every read-only command's query answers while a writer of ours waits on another's lock."""
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_MS", 120_000)  # the writer waits, it does not give up
    path = tmp_path / "k.sqlite3"
    db = await open_database(path)
    reader = await open_reader(path)
    assert reader is not None
    try:
        checkins = CheckinService(db, clock=clock, reader=reader)
        await checkins.give_consent(MEMBER)
        await checkins.log_session(MEMBER, "calves", "light")
        servers = GuildService(db, audit=checkins_audit(db, reader, clock), clock=clock, reader=reader)
        tips = GuildTipService(db, audit=checkins_audit(db, reader, clock), clock=clock, reader=reader)
        async with write_lock_held(path):
            writing = asyncio.create_task(checkins.log_session(MEMBER, "feet", "firm"))
            await asyncio.sleep(0.05)  # let the write reach SQLite and wait there
            async with asyncio.timeout(WAIT_BOUND_S):
                upcoming = await checkins.upcoming(MEMBER)
                history = await checkins.history(MEMBER)
                notices = await checkins.undelivered_notices(MEMBER)
                exported = await checkins.export(MEMBER)
                config = await servers.config(GUILD)
                page = await tips.list_page(GUILD)
                server_tips = await tips.all_as_library_tips(GUILD)
            assert not writing.done()  # all of that happened while the writer was still waiting
        logged = await writing  # the lock is gone: the waiting write goes through, nothing lost
        assert [c.area.value for c in upcoming] == ["calves"]
        assert len(history.sessions) == 1
        assert notices == []
        assert len(exported["sessions"]) == 1
        assert config.mod_role_id is None
        assert (page.tips, server_tips) == ((), [])
        assert {c.id for c in await checkins.upcoming(MEMBER)} == {upcoming[0].id, logged.checkin.id}
    finally:
        await reader.close()
        await db.close()


async def test_a_lock_held_past_the_busy_timeout_is_database_busy_and_saves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FakeClock
) -> None:
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_MS", 50)
    path = tmp_path / "k.sqlite3"
    db = await open_database(path)
    try:
        checkins = CheckinService(db, clock=clock)
        await checkins.give_consent(MEMBER)
        async with write_lock_held(path):
            with pytest.raises(DatabaseBusy) as busy:
                await checkins.log_session(MEMBER, "calves", "light")
        assert str(busy.value) == "The database is busy; try again in a moment."
        assert await checkins.upcoming(MEMBER) == []
        await checkins.log_session(MEMBER, "calves", "light")  # the connection is usable again
        assert len(await checkins.upcoming(MEMBER)) == 1
    finally:
        await db.close()


def checkins_audit(db: aiosqlite.Connection, reader: aiosqlite.Connection, clock: FakeClock) -> AuditTrail:

    return AuditTrail(db, clock=clock, reader=reader)
