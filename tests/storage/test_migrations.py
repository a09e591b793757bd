"""Migrations: one numbered history for both dialects, applied once, forward only, refusing a newer schema."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.storage.db import (
    MIGRATION_LOCK_KEY,
    MIGRATIONS_DIR,
    Database,
    SchemaTooNewError,
    migrations,
    open_database,
    schema_version,
)
from bot.storage.schema import metadata
from tests.sql import execute_many, fetch_all, table_columns

LATEST = migrations(MIGRATIONS_DIR / "sqlite")[-1].version
NOW = "2026-01-01T00:00:00.000000+00:00"
SEED = [
    f"INSERT INTO members (user_id, consented_at) VALUES (1, '{NOW}')",
    f"INSERT INTO sessions (id, user_id, area, intensity, logged_at) VALUES (1, 1, 'feet', 'light', '{NOW}')",
    f"INSERT INTO checkins (id, user_id, session_id, due_at, deliver_at, created_at) VALUES (1, 1, 1, '{NOW}', '{NOW}',"
    f" '{NOW}')",
    "INSERT INTO checkins (id, user_id, session_id, follow_up_of, due_at, deliver_at, created_at)"
    f" VALUES (2, 1, 1, 1, '{NOW}', '{NOW}', '{NOW}')",
]


def test_every_migration_number_exists_for_both_dialects() -> None:
    sqlite_names = [m.path.name for m in migrations(MIGRATIONS_DIR / "sqlite")]
    postgres_names = [m.path.name for m in migrations(MIGRATIONS_DIR / "postgres")]
    assert sqlite_names == postgres_names
    assert sqlite_names[0] == "0001_checkins.sql"


async def test_both_dialects_yield_the_declared_tables_and_columns(db: Database) -> None:
    """What the migrations made is what bot/storage/schema.py queries, column for column, on either back-end."""
    found = await table_columns(db)
    found.pop("schema_migrations", None)  # PostgreSQL's version bookkeeping (SQLite uses user_version)
    declared = {name: [column.name for column in table.columns] for name, table in metadata.tables.items()}
    assert {name: sorted(columns) for name, columns in found.items()} == {
        name: sorted(columns) for name, columns in declared.items()
    }


async def test_fresh_database_gets_every_migration(db: Database) -> None:
    assert await schema_version(db) == LATEST


async def test_reopening_changes_nothing(database_location: Path | str, caplog: pytest.LogCaptureFixture) -> None:
    first = await open_database(database_location)
    await execute_many(first, SEED[0], [()])
    await first.close()
    caplog.clear()

    second = await open_database(database_location)
    try:
        assert await schema_version(second) == LATEST
        assert len(await fetch_all(second, "SELECT * FROM members")) == 1
    finally:
        await second.close()
    assert "Applied migration" not in caplog.text


async def test_database_from_newer_code_refuses_to_open(database_location: Path | str) -> None:
    database = await open_database(database_location)
    if database.is_postgres:
        await execute_many(database, "INSERT INTO schema_migrations (version) VALUES (?)", [(LATEST + 1,)])
        await database.close()
    else:
        await database.close()
        with sqlite3.connect(database_location) as newer:
            newer.execute(f"PRAGMA user_version = {LATEST + 1}")
        newer.close()

    with pytest.raises(SchemaTooNewError, match="Upgrade kneadbot"):
        await open_database(database_location)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE checkins SET state = 'lost'",
        "UPDATE checkins SET state = 'sending'",  # sending needs claimed_at
        "UPDATE sessions SET area = 'neck'",
        "UPDATE sessions SET note = ''",
        "UPDATE members SET quiet_start = '22:00'",  # without an end
        "UPDATE members SET quiet_start = '22:00', quiet_end = '22:00'",
        f"INSERT INTO answers (checkin_id, user_id, soreness, answered_at) VALUES (1, 1, 4, '{NOW}')",
        f"INSERT INTO sessions (user_id, area, intensity, logged_at) VALUES (999, 'feet', 'light', '{NOW}')",
        "INSERT INTO checkins (user_id, session_id, follow_up_of, due_at, deliver_at, created_at)"
        f" VALUES (1, 1, 1, '{NOW}', '{NOW}', '{NOW}')",  # a second follow-up of check-in 1
    ],
)
async def test_schema_refuses_impossible_rows(db: Database, statement: str) -> None:
    for seed in SEED:
        await execute_many(db, seed, [()])
    with pytest.raises(IntegrityError):
        await execute_many(db, statement, [()])


async def test_deleting_a_member_cascades_to_all_their_rows(db: Database) -> None:
    for seed in [*SEED, f"INSERT INTO answers (checkin_id, user_id, soreness, answered_at) VALUES (1, 1, 2, '{NOW}')"]:
        await execute_many(db, seed, [()])
    await execute_many(db, "DELETE FROM members", [()])
    counts = [len(await fetch_all(db, f"SELECT * FROM {table}")) for table in ("sessions", "checkins", "answers")]
    assert counts == [0, 0, 0]


async def test_due_checkins_are_found_through_an_index(tmp_path: Path) -> None:
    database = await open_database(tmp_path / "k.sqlite3")
    try:
        plan = await fetch_all(
            database,
            "EXPLAIN QUERY PLAN SELECT id FROM checkins"
            " WHERE state = 'pending' AND deliver_at <= ? ORDER BY deliver_at",
            "2026-01-01",
        )
        assert any(index in row["detail"] for row in plan for index in ("checkins_due", "checkins_by_state_deliver_at"))
    finally:
        await database.close()


async def test_processes_starting_together_migrate_once(
    postgres_location: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Eight bots opening one empty PostgreSQL database at once: every one starts, each migration runs once."""
    caplog.set_level(logging.INFO, logger="bot.storage.db")

    opened = await asyncio.gather(*(open_database(postgres_location) for _ in range(8)))
    try:
        assert [await schema_version(database) for database in opened] == [LATEST] * 8
        rows = await fetch_all(opened[0], "SELECT version FROM schema_migrations ORDER BY version")
        assert [row[0] for row in rows] == list(range(1, LATEST + 1))
        assert caplog.text.count("Applied migration") == LATEST
    finally:
        for database in opened:
            await database.close()


async def test_a_starting_bot_waits_while_another_holds_the_migration_lock(postgres_location: str) -> None:
    """The advisory lock is what serialises migrators: while it is held, a starting bot waits, not migrates."""
    holder = await open_database(postgres_location, apply_migrations=False)
    try:
        async with holder.writer.begin() as connection:
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            starting = asyncio.create_task(open_database(postgres_location))
            await asyncio.sleep(0.5)
            assert not starting.done()
            assert await table_columns(holder) == {}  # nothing created behind the lock holder's back
        started = await asyncio.wait_for(starting, timeout=60)
        assert await schema_version(started) == LATEST
        await started.close()
    finally:
        await holder.close()
