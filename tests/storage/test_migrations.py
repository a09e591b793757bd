from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest

from bot.storage.db import SchemaTooNewError, migrations, open_database, schema_version

CHECKIN_TABLES = {"members", "sessions", "checkins", "answers"}


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[aiosqlite.Connection]:
    connection = await open_database(tmp_path / "k.sqlite3")
    yield connection
    await connection.close()


async def table_names(db: aiosqlite.Connection) -> set[str]:
    return {row["name"] for row in await db.execute_fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_checkin_migration_comes_first() -> None:
    assert migrations()[0].path.name == "0001_checkins.sql"


async def test_fresh_database_gets_every_migration(db: aiosqlite.Connection) -> None:
    assert await schema_version(db) == migrations()[-1].version
    assert await table_names(db) >= CHECKIN_TABLES


async def test_reopening_changes_nothing(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "k.sqlite3"
    first = await open_database(path)
    await first.execute("INSERT INTO members (user_id, consented_at) VALUES (1, '2026-01-01T00:00:00+00:00')")
    await first.commit()
    await first.close()
    caplog.clear()

    second = await open_database(path)
    try:
        assert await schema_version(second) == migrations()[-1].version
        assert len(list(await second.execute_fetchall("SELECT * FROM members"))) == 1
    finally:
        await second.close()
    assert "Applied migration" not in caplog.text


async def test_database_from_newer_code_refuses_to_open(tmp_path: Path) -> None:
    path = tmp_path / "k.sqlite3"
    with sqlite3.connect(path) as newer:
        newer.execute(f"PRAGMA user_version = {migrations()[-1].version + 1}")
    newer.close()

    with pytest.raises(SchemaTooNewError, match="Upgrade kneadbot"):
        await open_database(path)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE checkins SET state = 'lost'",
        "UPDATE checkins SET state = 'sending'",  # sending needs claimed_at
        "UPDATE sessions SET area = 'neck'",
        "UPDATE sessions SET note = ''",
        "UPDATE members SET quiet_start = '22:00'",  # without an end
        "UPDATE members SET quiet_start = '22:00', quiet_end = '22:00'",
        "INSERT INTO answers (checkin_id, user_id, soreness, answered_at) VALUES (1, 1, 4, 'x')",
        "INSERT INTO sessions (user_id, area, intensity, logged_at) VALUES (999, 'feet', 'light', 'x')",
        "INSERT INTO checkins (user_id, session_id, follow_up_of, due_at, deliver_at, created_at)"
        " VALUES (1, 1, 1, 'x', 'x', 'x')",  # a second follow-up of check-in 1
    ],
)
async def test_schema_refuses_impossible_rows(db: aiosqlite.Connection, statement: str) -> None:
    await db.executescript(
        "INSERT INTO members (user_id, consented_at) VALUES (1, 'x');"
        "INSERT INTO sessions (id, user_id, area, intensity, logged_at) VALUES (1, 1, 'feet', 'light', 'x');"
        "INSERT INTO checkins (id, user_id, session_id, due_at, deliver_at, created_at)"
        " VALUES (1, 1, 1, 'x', 'x', 'x');"
        "INSERT INTO checkins (id, user_id, session_id, follow_up_of, due_at, deliver_at, created_at)"
        " VALUES (2, 1, 1, 1, 'x', 'x', 'x');"
    )
    with pytest.raises(sqlite3.IntegrityError):
        await db.execute(statement)


async def test_deleting_a_member_cascades_to_all_their_rows(db: aiosqlite.Connection) -> None:
    await db.executescript(
        "INSERT INTO members (user_id, consented_at) VALUES (1, 'x');"
        "INSERT INTO sessions (id, user_id, area, intensity, logged_at) VALUES (1, 1, 'feet', 'light', 'x');"
        "INSERT INTO checkins (id, user_id, session_id, due_at, deliver_at, created_at)"
        " VALUES (1, 1, 1, 'x', 'x', 'x');"
        "INSERT INTO answers (checkin_id, user_id, soreness, answered_at) VALUES (1, 1, 2, 'x');"
        "DELETE FROM members;"
    )
    counts = [
        len(list(await db.execute_fetchall(query)))
        for query in ("SELECT * FROM sessions", "SELECT * FROM checkins", "SELECT * FROM answers")
    ]
    assert counts == [0, 0, 0]


async def test_due_checkins_are_found_through_an_index(db: aiosqlite.Connection) -> None:
    plan = await db.execute_fetchall(
        "EXPLAIN QUERY PLAN SELECT id FROM checkins WHERE state = 'pending' AND deliver_at <= ? ORDER BY deliver_at",
        ("2026-01-01",),
    )
    assert any("checkins_by_state_deliver_at" in row["detail"] for row in plan)
