"""The operator's tools on PostgreSQL, run as the real `python -m bot` an operator would type, and the move
from a SQLite file to PostgreSQL with `db copy-to-postgres`."""

from __future__ import annotations

import random
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from bot.checkins.service import CheckinService
from bot.daily.service import DailyTipService
from bot.guilds.audit import AuditTrail
from bot.guilds.service import GuildService
from bot.guilds.tips import GuildTipService
from bot.storage import bulk
from bot.storage.db import open_database
from bot.storage.schema import COPY_ORDER
from tests.cli import clean_env, run_bot
from tests.clock import FakeClock
from tests.daily.support import make_tips
from tests.guilds.support import tip_fields
from tests.storage.test_upgrade import write_release_file

TOKEN = "MTIz.SECRET-TOKEN.value"
MEMBER, SERVER, MOD = 1001, 5005, 9


async def counts(location: Path | str) -> dict[str, int]:
    database = await open_database(location)
    try:
        return {table.name: await bulk.count_rows(database, table) for table in COPY_ORDER}
    finally:
        await database.close()


async def fill(path: Path, clock: FakeClock) -> None:
    """A working bot's data: members, check-ins in every state, answers, server tips, a daily tip, audit."""
    database = await open_database(path)
    try:
        checkins = CheckinService(database, clock=clock)
        audit = AuditTrail(database, clock=clock)
        tips = GuildTipService(database, audit=audit, clock=clock)
        daily = DailyTipService(
            database, builtin_tips=lambda: make_tips(3), audit=audit, clock=clock, rng=random.Random(3)
        )
        await GuildService(database, audit=audit, clock=clock).set_mod_role(SERVER, MOD, 4242)
        for member in range(MEMBER, MEMBER + 5):
            await checkins.give_consent(member)
            await checkins.log_session(member, "calves", "firm", check_in_after="1h")
            await checkins.log_session(member, "feet", "light", check_in_after="3d")
        clock.advance(hours=2)
        for due in await checkins.delivery.claim_due(clock()):
            await checkins.delivery.mark_sent(due.checkin_id, 1, 2)
            await checkins.record_soreness(due.checkin_id, due.user_id, 2)
            await checkins.schedule_follow_up(due.checkin_id, due.user_id)
        await tips.add(SERVER, MOD, **tip_fields())
        removed = await tips.add(SERVER, MOD, **tip_fields())
        await tips.remove(SERVER, MOD, removed.id)  # the highest id is gone: it must still never come back
        await daily.set(SERVER, MOD, channel_id=6006, post_time="09:00")
        clock.advance(days=1)
        claim = await daily.claim(SERVER, clock())
        assert claim is not None
        await daily.mark_posted(SERVER, claim.local_date, 777)
    finally:
        await database.close()


async def test_copy_to_postgres_moves_every_row_and_new_ids_never_reuse_old_ones(
    tmp_path: Path, postgres_location: str
) -> None:
    path = tmp_path / "kb.sqlite3"
    clock = FakeClock()
    await fill(path, clock)
    before = await counts(path)

    result = run_bot("db", "copy-to-postgres", postgres_location, env=clean_env(KNEADBOT_DB=str(path)))

    assert result.returncode == 0, result.stderr
    assert "row counts match in every table" in result.stdout
    assert await counts(postgres_location) == before
    database = await open_database(postgres_location)
    try:
        checkins = CheckinService(database, clock=clock)
        history = await checkins.history(MEMBER)
        assert [int(point[1]) for point in history.soreness_points] == [2]
        assert {s.area.value for s in await checkins.upcoming(MEMBER)} == {"feet", "calves"}  # pending + follow-up
        tips = GuildTipService(database, audit=AuditTrail(database, clock=clock), clock=clock)
        added = await tips.add(SERVER, MOD, **tip_fields())
        assert added.id == 3  # tips 1 and 2 were used in SQLite (2 was removed): the sequence moved past both
        logged = await checkins.log_session(MEMBER + 1, "thighs", "medium", check_in_after=timedelta(hours=1))
        assert logged.session.id == before["sessions"] + 1
    finally:
        await database.close()


async def test_copy_to_postgres_refuses_a_database_that_holds_rows(tmp_path: Path, postgres_location: str) -> None:
    path = tmp_path / "kb.sqlite3"
    await fill(path, FakeClock())
    env = clean_env(KNEADBOT_DB=str(path))
    assert run_bot("db", "copy-to-postgres", postgres_location, env=env).returncode == 0
    before = await counts(postgres_location)

    again = run_bot("db", "copy-to-postgres", postgres_location, env=env)

    assert again.returncode == 1
    assert "is not empty" in again.stderr and "copy only into a new, empty one" in again.stderr
    assert await counts(postgres_location) == before


async def test_the_release_sqlite_file_copies_to_postgres(tmp_path: Path, postgres_location: str) -> None:
    """A file made by the release before this storage layer: migrated on the way, every row arrives."""
    path = tmp_path / "kb.sqlite3"
    write_release_file(path)
    result = run_bot("db", "copy-to-postgres", postgres_location, env=clean_env(KNEADBOT_DB=str(path)))
    assert result.returncode == 0, result.stderr
    assert await counts(postgres_location) == await counts(path)


def test_migrate_check_doctor_and_backup_on_postgres(postgres_location: str, tmp_path: Path) -> None:
    env = clean_env(KNEADBOT_DATABASE_URL=postgres_location)
    doctor = run_bot("doctor", env=env)
    assert "fix: run: python -m bot db migrate" in doctor.stdout
    assert run_bot("db", "migrate", env=env).stdout.startswith("database at schema version")
    check = run_bot("db", "check", env=env)
    assert (check.returncode, check.stdout.strip()) == (0, "ok")
    assert "answers and is at schema" in run_bot("doctor", env=env).stdout

    backup = run_bot("db", "backup", str(tmp_path / "kb.dump"), env=env)
    if shutil.which("pg_dump") is None:
        assert "pg_dump is not on PATH" in backup.stderr
    else:
        assert backup.returncode == 0, backup.stderr
        assert (tmp_path / "kb.dump").read_bytes().startswith(b"PGDMP")
    restore = run_bot("db", "restore", str(tmp_path / "kb.dump"), env=env)
    assert restore.returncode == 1
    assert "pg_restore --clean" in restore.stderr


def test_an_unreachable_postgres_stops_start_up_in_one_line_without_the_password() -> None:
    env = clean_env(KNEADBOT_DATABASE_URL="postgresql://kneadbot:hunter2@127.0.0.1:9/kneadbot", DISCORD_TOKEN=TOKEN)
    start = run_bot(env=env)
    assert start.returncode == 1
    assert start.stderr.startswith("kneadbot: cannot use the PostgreSQL database postgresql://kneadbot:***@")
    assert len(start.stderr.strip().splitlines()) == 1
    assert "hunter2" not in start.stderr + start.stdout


@pytest.mark.parametrize("value", ["mysql://x/y", "data/kb.sqlite3"])
def test_a_database_url_that_is_not_postgres_is_refused_at_start(value: str) -> None:
    start = run_bot("doctor", env=clean_env(KNEADBOT_DATABASE_URL=value))
    assert start.returncode == 2 or start.returncode == 1
    assert "KNEADBOT_DATABASE_URL: Value error, must be a postgresql:// URL" in start.stderr
