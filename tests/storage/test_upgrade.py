"""A SQLite file made by the release before the storage layer opens, migrates in place and keeps every row."""

from __future__ import annotations

import logging
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from bot.checkins.service import CheckinService
from bot.daily.service import DailyTipService
from bot.guilds.audit import AuditTrail
from bot.guilds.tips import GuildTipService
from bot.storage.db import MIGRATIONS_DIR, migrations, open_database, schema_version
from bot.storage.schema import COPY_ORDER
from tests.clock import FakeClock

RELEASE_DUMP = Path(__file__).with_name("fixtures") / "release-0.1.sql"
RELEASE_VERSION = 3
MEMBER, SERVER = 1001, 5005


def release_columns(path: Path) -> dict[str, list[str]]:
    """The tables (in copy order) and columns the file has: what the old code wrote."""
    with sqlite3.connect(path) as connection:
        present = {name for [name] in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return {
            table.name: [column[1] for column in connection.execute(f"PRAGMA table_info({table.name})")]
            for table in COPY_ORDER
            if table.name in present
        }


def raw_rows(path: Path, columns: dict[str, list[str]]) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the given tables and columns, read with plain sqlite3: the bytes as the old code left them."""
    with sqlite3.connect(path) as connection:
        return {
            table: connection.execute(f"SELECT {', '.join(names)} FROM {table} ORDER BY 1, 2").fetchall()
            for table, names in columns.items()
        }


def write_release_file(path: Path) -> Path:
    """The release's database, rebuilt from its dump: the same rows and schema, at its user_version."""
    with sqlite3.connect(path) as connection:
        connection.executescript(RELEASE_DUMP.read_text(encoding="utf-8"))
        connection.execute(f"PRAGMA user_version = {RELEASE_VERSION}")
    return path


@pytest.fixture
def release_copy(tmp_path: Path) -> Path:
    return write_release_file(tmp_path / "kneadbot.sqlite3")


async def test_the_release_file_migrates_in_place_and_keeps_every_row(
    release_copy: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.storage.db")
    released = release_columns(release_copy)
    before = raw_rows(release_copy, released)
    assert sqlite3.connect(release_copy).execute("PRAGMA user_version").fetchone() == (3,)
    assert all(before.values()), "the fixture holds a row in every table"
    assert "posted_checks" not in released and "attempts" not in released["daily_tip_posts"]

    database = await open_database(release_copy)
    try:
        assert await schema_version(database) == migrations(MIGRATIONS_DIR / "sqlite")[-1].version
    finally:
        await database.close()

    for name in ("0004_posted_checks.sql", "0005_jobs.sql", "0006_due_index.sql"):
        assert f"Applied migration {name}" in caplog.text
    assert raw_rows(release_copy, released) == before  # not one value rewritten: times stay the old UTC text
    added = raw_rows(
        release_copy, {"daily_tip_posts": ["attempts", "retry_at"], "posted_checks": ["message_id", "faq_id"]}
    )
    assert added == {"daily_tip_posts": [(1, None)] * len(before["daily_tip_posts"]), "posted_checks": []}


async def test_todays_services_read_and_write_the_release_file(release_copy: Path) -> None:
    before = raw_rows(release_copy, release_columns(release_copy))
    clock = FakeClock()
    clock.advance(days=2)  # after everything the release stored
    database = await open_database(release_copy)
    try:
        checkins = CheckinService(database, clock=clock)
        audit = AuditTrail(database, clock=clock)
        settings = await checkins.settings(MEMBER)
        assert settings is not None
        assert (settings.timezone, str(settings.quiet_hours)) == ("Europe/London", "22:00–07:30")
        history = await checkins.history(MEMBER)
        assert [record.session.area.value for record in history.sessions] == ["feet", "calves"]
        assert [int(point[1]) for point in history.soreness_points] == [2]
        assert len(await checkins.upcoming(MEMBER)) == len([r for r in before["checkins"] if "pending" in r])

        exported = await checkins.export(MEMBER)
        stored_logged_at = {row[0]: row[-1] for row in before["sessions"]}
        assert {s["id"]: s["logged_at"] for s in exported["sessions"]} == stored_logged_at  # same text as stored

        page = await GuildTipService(database, audit=audit, clock=clock).list_page(SERVER)
        assert [tip.fields.topic for tip in page.tips] == ["calves"]
        daily = DailyTipService(database, builtin_tips=list, audit=audit, clock=clock)
        status = await daily.show(SERVER)
        assert status is not None and status.last_post is not None and status.last_post.message_id == 123456

        logged = await checkins.log_session(MEMBER, "thighs", "medium", check_in_after=timedelta(hours=1))
        assert logged.checkin.id > max(row[0] for row in before["checkins"])  # ids continue, never reused
    finally:
        await database.close()
