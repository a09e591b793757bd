"""The reader side: readers see only committed rows and never wait on a writer (both back-ends); a SQLite
lock held too long is a clear DatabaseBusy, and nothing half-done is kept."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.checkins.service import CheckinService
from bot.errors import DatabaseBusy
from bot.guilds.audit import AuditTrail
from bot.guilds.service import GuildService
from bot.guilds.tips import GuildTipService
from bot.storage import db as db_module
from bot.storage import members as members_sql
from bot.storage.db import Database, open_database
from bot.storage.transactions import transaction
from tests.clock import FakeClock
from tests.dblock import write_lock_held

MEMBER, GUILD = 1001, 5005
WAIT_BOUND_S = 30  # far beyond any machine's speed; only a read stuck behind the lock gets near it


class Abandon(Exception):
    """Raised inside a transaction to roll it back."""


@pytest.fixture
def service(db: Database, clock: FakeClock) -> CheckinService:
    return CheckinService(db, clock=clock)


async def test_a_reader_never_sees_a_write_that_is_later_rolled_back(
    db: Database, service: CheckinService, clock: FakeClock
) -> None:
    seen_during_write: list[object] = []

    async def write_then_abandon() -> None:
        async with transaction(db):
            await members_sql.add_consent(db, MEMBER, clock())
            # Another task (a command arriving meanwhile) reads while the write is still open.
            seen_during_write.append(await asyncio.create_task(service.settings(MEMBER)))
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


async def test_the_reader_cannot_write(db: Database) -> None:
    async with db.reader.connect() as connection:
        with pytest.raises(DBAPIError, match=r"readonly|read-only"):
            await connection.execute(text("INSERT INTO members (user_id) VALUES (1)"))


async def test_a_write_outside_a_transaction_is_refused(db: Database, clock: FakeClock) -> None:
    with pytest.raises(RuntimeError, match="inside `async with transaction"):
        await members_sql.add_consent(db, MEMBER, clock())
    assert await members_sql.get(db, MEMBER) is None


async def test_reads_answer_while_a_postgres_writer_waits_on_a_row_lock(
    postgres_location: str, clock: FakeClock
) -> None:
    """PostgreSQL: a write waiting for another session's row lock never holds up a read-only command."""
    db = await open_database(postgres_location)
    try:
        checkins = CheckinService(db, clock=clock)
        await checkins.give_consent(MEMBER)
        await checkins.log_session(MEMBER, "calves", "light")
        other_session = await asyncpg.connect(postgres_location)
        try:
            async with other_session.transaction():
                await other_session.execute("SELECT 1 FROM members WHERE user_id = $1 FOR UPDATE", MEMBER)
                writing = asyncio.create_task(checkins.log_session(MEMBER, "feet", "firm"))
                await asyncio.sleep(0.2)  # let the write reach PostgreSQL and wait there
                async with asyncio.timeout(WAIT_BOUND_S):
                    upcoming = await checkins.upcoming(MEMBER)
                    exported = await checkins.export(MEMBER)
                assert not writing.done()
        finally:
            await other_session.close()
        logged = await writing
        assert [c.area.value for c in upcoming] == ["calves"]
        assert len(exported["sessions"]) == 1
        assert {c.id for c in await checkins.upcoming(MEMBER)} == {upcoming[0].id, logged.checkin.id}
    finally:
        await db.close()


async def test_reads_answer_while_another_process_holds_the_write_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FakeClock
) -> None:
    """Every read-only command's query answers while a writer of ours waits on another's lock."""
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_MS", 120_000)  # the writer waits, it does not give up
    path = tmp_path / "k.sqlite3"
    db = await open_database(path)
    try:
        checkins = CheckinService(db, clock=clock)
        await checkins.give_consent(MEMBER)
        await checkins.log_session(MEMBER, "calves", "light")
        servers = GuildService(db, audit=AuditTrail(db, clock=clock), clock=clock)
        tips = GuildTipService(db, audit=AuditTrail(db, clock=clock), clock=clock)
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
