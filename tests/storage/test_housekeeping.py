"""Purges delete in bounded batches and still remove everything; the schedule's claim is exclusive on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from bot.checkins.service import PENDING_LOG_LIFETIME, CheckinService
from bot.guilds.service import GUILDS_PER_BATCH, GuildService
from bot.storage import bulk
from bot.storage import housekeeping as housekeeping_sql
from bot.storage import sessions as sessions_sql
from bot.storage.db import Database, open_database
from bot.storage.housekeeping import BATCH_ROWS
from bot.storage.schema import guild_config, members, pending_logs, sessions
from bot.storage.transactions import transaction
from tests.clock import FakeClock

MEMBER = 4242
OLD_ROWS = 2 * BATCH_ROWS + 500


async def add_old_sessions(db: Database, clock: FakeClock, how_many: int) -> None:
    logged_at = clock() - timedelta(days=400)
    async with transaction(db):
        await bulk.insert_rows(db, members, [{"user_id": MEMBER, "consented_at": logged_at, "timezone": "UTC"}])
        rows = [{"user_id": MEMBER, "area": "feet", "intensity": "light", "logged_at": logged_at}] * how_many
        await bulk.insert_rows(db, sessions, rows)


async def test_one_batch_deletes_at_most_its_limit(db: Database, clock: FakeClock) -> None:
    await add_old_sessions(db, clock, OLD_ROWS)
    async with transaction(db):
        assert await sessions_sql.delete_expired(db, clock(), BATCH_ROWS) == BATCH_ROWS
    assert await bulk.count_rows(db, sessions) == OLD_ROWS - BATCH_ROWS


async def test_a_purge_of_more_rows_than_a_batch_removes_them_all(db: Database, clock: FakeClock) -> None:
    await add_old_sessions(db, clock, OLD_ROWS)
    fresh = {"user_id": MEMBER, "area": "feet", "intensity": "light", "logged_at": clock()}
    async with transaction(db):
        await bulk.insert_rows(db, sessions, [fresh])
    assert await CheckinService(db, clock=clock, retention_days=365).purge_expired() == OLD_ROWS
    assert [row.logged_at for row in await sessions_sql.latest(db, MEMBER, 10)] == [clock()]


async def test_the_held_session_purge_removes_more_than_a_batch(db: Database, clock: FakeClock) -> None:
    held = {"user_id": MEMBER, "area": "calves", "intensity": "firm", "delay_seconds": 3600}
    old, fresh = clock() - PENDING_LOG_LIFETIME - timedelta(minutes=1), clock() - timedelta(hours=1)
    async with transaction(db):
        await bulk.insert_rows(db, pending_logs, [{**held, "created_at": old}] * (BATCH_ROWS + 1))
        await bulk.insert_rows(db, pending_logs, [{**held, "created_at": fresh}] * 3)
    assert await CheckinService(db, clock=clock).purge_held() == BATCH_ROWS + 1
    assert await bulk.count_rows(db, pending_logs) == 3


async def test_departed_servers_are_purged_batch_after_batch(
    db: Database, clock: FakeClock, guilds: GuildService
) -> None:
    left_at = clock() - timedelta(days=31)
    departed = list(range(1, 2 * GUILDS_PER_BATCH + 6))
    async with transaction(db):
        rows = [{"guild_id": guild, "created_at": left_at, "left_at": left_at} for guild in departed]
        await bulk.insert_rows(db, guild_config, [*rows, {"guild_id": 999, "created_at": left_at, "left_at": None}])
    assert await guilds.purge_departed(clock()) == departed
    assert await bulk.count_rows(db, guild_config) == 1


async def test_only_one_postgres_process_holds_a_tasks_lock(postgres_location: str) -> None:
    first, second = await open_database(postgres_location), await open_database(postgres_location)
    try:
        async with transaction(first):
            assert await housekeeping_sql.try_lock(first, "checkins-purge")
            async with transaction(second):
                assert not await housekeeping_sql.try_lock(second, "checkins-purge")
                assert await housekeeping_sql.try_lock(second, "servers-purge")  # another task: its own lock
        async with transaction(second):  # released with the first transaction, not held for the run
            assert await housekeeping_sql.try_lock(second, "checkins-purge")
    finally:
        await first.close()
        await second.close()


def test_each_task_gets_a_fixed_lock_key() -> None:
    assert housekeeping_sql.lock_key("checkins-purge") == housekeeping_sql.lock_key("checkins-purge")
    assert housekeeping_sql.lock_key("checkins-purge") != housekeeping_sql.lock_key("checkins-purge-held")
    assert -(2**31) <= housekeeping_sql.lock_key("servers-purge") < 2**31
