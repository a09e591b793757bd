from __future__ import annotations

import json

from bot.checkins.service import CheckinService
from bot.storage.db import Database
from tests.checkins.support import STRANGER, FakeClock, send_due
from tests.sql import fetch_all, table_columns

MEMBER_TABLES = {"members", "sessions", "checkins", "answers"}


async def tables_with_rows_of(db: Database, user_id: int) -> dict[str, int]:
    """Row count of the member in every table that has a user_id column, found from the schema itself."""
    counts = {}
    for table, columns in (await table_columns(db)).items():
        if "user_id" not in columns:
            continue
        # The table name comes from the database's own catalogue, not from a member; names cannot be parameters.
        [[count]] = await fetch_all(db, f'SELECT count(*) FROM "{table}" WHERE user_id = ?', user_id)
        counts[table] = int(count)
    assert counts.keys() >= MEMBER_TABLES
    return counts


async def fill_in_everything(service: CheckinService, user_id: int, clock: FakeClock) -> None:
    """Consent, settings, a session with an answered check-in and a follow-up, and a pending one."""
    await service.give_consent(user_id)
    await service.set_timezone(user_id, "Europe/London")
    await service.set_quiet_hours(user_id, "23:00", "06:00")
    await service.delivery.remember_dm_channel(user_id, user_id + 1)
    answered = await service.log_session(user_id, "calves", "firm", check_in_after="1h", note="tight")
    await service.log_session(user_id, "feet", "light", check_in_after="3d")
    clock.advance(hours=1)
    await send_due(service.delivery, clock)
    await service.record_soreness(answered.checkin.id, user_id, 2)
    await service.schedule_follow_up(answered.checkin.id, user_id)
    await service.record_warning_signs(answered.checkin.id, user_id)  # after it, no follow-up could be asked for


async def test_export_holds_everything_about_the_member_and_nothing_else(
    service: CheckinService, member: int, clock: FakeClock
) -> None:
    await fill_in_everything(service, member, clock)
    await fill_in_everything(service, STRANGER, clock)

    exported = json.loads(json.dumps(await service.export(member)))

    assert exported["member"]["timezone"] == "Europe/London"
    assert (exported["member"]["quiet_start"], exported["member"]["dm_channel_id"]) == ("23:00", member + 1)
    assert [s["note"] for s in exported["sessions"]] == ["tight", None]
    assert [c["state"] for c in exported["checkins"]] == ["sent", "pending", "pending"]
    assert exported["checkins"][2]["follow_up_of"] == exported["checkins"][0]["id"]
    assert [(a["soreness"], a["warning_signs_at"] is not None) for a in exported["answers"]] == [(2, True)]
    assert {row["user_id"] for part in ("sessions", "checkins", "answers") for row in exported[part]} == {member}


async def test_export_without_consent_is_empty(service: CheckinService) -> None:
    exported = await service.export(STRANGER)
    assert (exported["member"], exported["sessions"], exported["checkins"], exported["answers"]) == (None, [], [], [])


async def test_delete_leaves_no_row_of_the_member_in_any_table(
    service: CheckinService, member: int, clock: FakeClock, db: Database
) -> None:
    await fill_in_everything(service, member, clock)
    await fill_in_everything(service, STRANGER, clock)
    stranger_before = await tables_with_rows_of(db, STRANGER)

    assert await service.delete_member_data(member) is True

    assert set((await tables_with_rows_of(db, member)).values()) == {0}
    assert await tables_with_rows_of(db, STRANGER) == stranger_before
    assert set(stranger_before.values()) != {0}
    assert await service.upcoming(member) == []
    clock.advance(days=5)
    assert {due.user_id for due in await service.delivery.claim_due(clock.now)} == {STRANGER}
    assert await service.delete_member_data(member) is False


async def test_purge_removes_sessions_and_answers_past_retention(db: Database, clock: FakeClock, member: int) -> None:
    service = CheckinService(db, clock=clock, retention_days=30)
    old = await service.log_session(member, "calves", "firm", check_in_after="1h")
    clock.advance(hours=1)
    await send_due(service.delivery, clock)
    await service.record_soreness(old.checkin.id, member, 1)
    clock.advance(days=29)
    recent = await service.log_session(member, "feet", "light", check_in_after="14d")
    clock.advance(days=1, minutes=1)

    assert await service.purge_expired() == 1

    assert [record.session.id for record in (await service.history(member)).sessions] == [recent.session.id]
    [[answers]] = await fetch_all(db, "SELECT count(*) FROM answers")
    assert answers == 0
    assert await service.settings(member) is not None


async def test_purge_spares_sessions_still_waiting_for_a_checkin(db: Database, clock: FakeClock, member: int) -> None:
    service = CheckinService(db, clock=clock, retention_days=1)
    await service.log_session(member, "calves", "firm", check_in_after="14d")
    clock.advance(days=3)

    assert await service.purge_expired() == 0
    assert len(await service.upcoming(member)) == 1
    clock.advance(days=11)
    assert len(await send_due(service.delivery, clock)) == 1
    assert await service.purge_expired() == 1
