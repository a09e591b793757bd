from __future__ import annotations

from datetime import timedelta

import pytest

from bot.checkins.errors import (
    BadNote,
    CheckinNotFound,
    ConsentPromptExpired,
    ConsentRequired,
    DelayOutOfRange,
    TooManyPending,
)
from bot.checkins.models import Area, CheckinState, Intensity
from bot.checkins.service import MAX_HELD_PER_MEMBER, MAX_OPEN_PER_MEMBER, PENDING_LOG_LIFETIME, CheckinService
from bot.errors import BadInput, KneadError
from bot.storage.db import Database
from bot.ui.confirm import PROMPT_LIFETIME
from tests.checkins.support import MEMBER, STRANGER, FakeClock, row
from tests.sql import fetch_all

COUNTS = {
    "members": "SELECT count(*) FROM members",
    "sessions": "SELECT count(*) FROM sessions",
    "checkins": "SELECT count(*) FROM checkins",
}


async def count(db: Database, table: str) -> int:
    return int((await row(db, COUNTS[table]))[0])


async def test_nothing_is_stored_before_consent(service: CheckinService, db: Database) -> None:
    with pytest.raises(ConsentRequired) as raised:
        await service.log_session(MEMBER, "calves", "firm")
    await service.delivery.remember_dm_channel(MEMBER, 42)

    assert isinstance(raised.value, KneadError)
    assert [await count(db, table) for table in ("members", "sessions", "checkins")] == [0, 0, 0]


async def test_only_the_newest_held_sessions_wait_for_consent(service: CheckinService, db: Database) -> None:
    held = []
    for _ in range(MAX_HELD_PER_MEMBER + 1):
        with pytest.raises(ConsentRequired) as raised:
            await service.log_session(MEMBER, "calves", "firm")
        held.append(raised.value.pending_id)
    with pytest.raises(ConsentPromptExpired):  # the oldest prompt was forgotten
        await service.agree_and_log(held[0], MEMBER)
    with pytest.raises(ConsentPromptExpired):  # another member's held session looks like a missing one
        await service.agree_and_log(held[1], STRANGER)
    logged = await service.agree_and_log(held[-1], MEMBER)
    again = await service.agree_and_log(held[-1], MEMBER)  # a second click: the same session, not a new one

    assert again == logged
    assert [await count(db, table) for table in ("members", "sessions", "checkins")] == [1, 1, 1]


async def test_the_hourly_purge_erases_holds_older_than_an_hour_and_keeps_fresh_ones(
    service: CheckinService, db: Database, clock: FakeClock
) -> None:
    """The consent prompt promises "held for at most two hours": 1 h lifetime plus an hourly purge keeps it."""
    with pytest.raises(ConsentRequired):
        await service.log_session(MEMBER, "calves", "firm", note="old")
    clock.advance(minutes=40)
    with pytest.raises(ConsentRequired):
        await service.log_session(STRANGER, "feet", "light", note="fresh")
    clock.advance(minutes=21)  # the first hold is now 1 h 1 min old, the second 21 min
    assert await service.purge_held() == 1
    assert [note for [note] in await fetch_all(db, "SELECT note FROM pending_logs")] == ["fresh"]


def test_a_held_session_outlives_its_i_agree_button() -> None:
    """Held any shorter, a member clicking "I agree" within the button's 15 minutes could find it gone."""
    assert PENDING_LOG_LIFETIME >= PROMPT_LIFETIME


async def test_declining_erases_the_hold_and_says_whether_it_did(service: CheckinService, db: Database) -> None:
    with pytest.raises(ConsentRequired) as raised:
        await service.log_session(MEMBER, "calves", "firm")
    assert await service.decline(raised.value.pending_id, STRANGER) is False  # not theirs: nothing erased
    assert await service.decline(raised.value.pending_id, MEMBER) is True
    assert await service.decline(raised.value.pending_id, MEMBER) is False  # a second click
    assert tuple(await row(db, "SELECT count(*) FROM pending_logs")) == (0,)


async def test_consent_is_recorded_once(service: CheckinService, clock: FakeClock) -> None:
    assert await service.give_consent(MEMBER) is True
    first = await service.settings(MEMBER)
    clock.advance(days=1)

    assert await service.give_consent(MEMBER) is False
    assert await service.settings(MEMBER) == first
    assert first is not None
    assert first.consented_at == clock.now - timedelta(days=1)


async def test_log_schedules_a_checkin_after_the_delay(service: CheckinService, member: int, clock: FakeClock) -> None:
    logged = await service.log_session(
        member, Area.CALVES, "FIRM", check_in_after="1d12h", note="left\ncalf\x07 ", guild_id=7, channel_id=8
    )

    assert (logged.session.area, logged.session.intensity) == (Area.CALVES, Intensity.FIRM)
    assert (logged.session.note, logged.session.guild_id, logged.session.channel_id) == ("left calf", 7, 8)
    assert logged.checkin.due_at == logged.checkin.deliver_at == clock.now + timedelta(days=1, hours=12)
    assert logged.checkin.state is CheckinState.PENDING
    assert await service.delivery.next_due_at() == logged.checkin.deliver_at


async def test_default_delay_is_a_day(service: CheckinService, member: int, clock: FakeClock) -> None:
    logged = await service.log_session(member, "feet", "light", note="  ")

    assert logged.checkin.due_at == clock.now + timedelta(hours=24)
    assert logged.session.note is None


@pytest.mark.parametrize("delay", ["30s", "14d1m", timedelta(seconds=-5)])
async def test_delay_must_be_within_range(service: CheckinService, member: int, delay: str | timedelta) -> None:
    with pytest.raises(DelayOutOfRange, match="between 1m and 14d"):
        await service.log_session(member, "feet", "light", check_in_after=delay)


async def test_minimum_delay_is_configurable(db: Database, clock: FakeClock, member: int) -> None:
    quick = CheckinService(db, clock=clock, min_delay=timedelta(seconds=10))
    logged = await quick.log_session(member, "feet", "light", check_in_after="10s")
    assert logged.checkin.due_at == clock.now + timedelta(seconds=10)


@pytest.mark.parametrize(
    ("area", "intensity", "note", "error"),
    [("knees", "firm", None, BadInput), ("calves", "brutal", None, BadInput), ("calves", "firm", "x" * 201, BadNote)],
)
async def test_bad_input_is_refused_before_asking_for_consent(
    service: CheckinService, area: str, intensity: str, note: str | None, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await service.log_session(MEMBER, area, intensity, note=note)


async def test_at_most_twenty_checkins_wait_per_member(service: CheckinService, member: int, db: Database) -> None:
    for _ in range(MAX_OPEN_PER_MEMBER):
        await service.log_session(member, "thighs", "medium")
    with pytest.raises(TooManyPending, match="20 check-ins waiting"):
        await service.log_session(member, "thighs", "medium")
    assert await count(db, "sessions") == MAX_OPEN_PER_MEMBER

    first = (await service.upcoming(member))[0]
    await service.cancel(member, first.id)
    await service.log_session(member, "thighs", "medium")


async def test_upcoming_lists_only_the_members_own_pending_checkins(service: CheckinService, member: int) -> None:
    await service.give_consent(STRANGER)
    mine = await service.log_session(member, "calves", "deep", check_in_after="2h")
    await service.log_session(STRANGER, "feet", "light")
    sooner = await service.log_session(member, "feet", "light", check_in_after="1h")

    assert [c.id for c in await service.upcoming(member)] == [sooner.checkin.id, mine.checkin.id]


async def test_cancel_refuses_other_members_checkins_as_not_found(service: CheckinService, member: int) -> None:
    await service.give_consent(STRANGER)
    logged = await service.log_session(member, "calves", "deep")

    with pytest.raises(CheckinNotFound) as stranger_error:
        await service.cancel(STRANGER, logged.checkin.id)
    with pytest.raises(CheckinNotFound) as missing_error:
        await service.cancel(STRANGER, 999_999)

    assert str(stranger_error.value) == str(missing_error.value).replace("999999", str(logged.checkin.id))
    assert [c.id for c in await service.upcoming(member)] == [logged.checkin.id]


async def test_cancel_stops_delivery(service: CheckinService, member: int, clock: FakeClock) -> None:
    logged = await service.log_session(member, "calves", "deep", check_in_after="1h")
    cancelled = await service.cancel(member, logged.checkin.id)
    clock.advance(hours=2)

    assert cancelled.state is CheckinState.CANCELLED
    assert await service.delivery.claim_due(clock.now) == []
    assert await service.upcoming(member) == []
    with pytest.raises(CheckinNotFound):
        await service.cancel(member, logged.checkin.id)


async def test_history_shows_latest_ten_sessions_with_answers(
    service: CheckinService, member: int, clock: FakeClock
) -> None:
    for _ in range(12):
        await service.log_session(member, "calves", "firm", check_in_after="1h")
        clock.advance(hours=1)
        for due in await service.delivery.claim_due(clock.now):
            await service.delivery.mark_sent(due.checkin_id, 1, 2)
            await service.record_soreness(due.checkin_id, member, 1)

    history = await service.history(member)

    assert len(history.sessions) == 10
    assert history.sessions[0].session.logged_at > history.sessions[-1].session.logged_at
    assert all(len(record.answers) == 1 for record in history.sessions)
    assert len(history.soreness_points) == 10
    assert [point[0] for point in history.soreness_points] == sorted(point[0] for point in history.soreness_points)
