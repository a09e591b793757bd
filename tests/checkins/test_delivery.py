from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from bot.checkins.delivery import CheckinDelivery
from bot.checkins.models import Area, CheckinState, Intensity
from bot.checkins.service import CheckinService
from bot.jobs.outcomes import Failed, Retry, RetryLater
from bot.jobs.policy import Backoff
from bot.storage.db import Database, open_database
from tests.checkins.support import MEMBER, STRANGER, FakeClock, row
from tests.sql import fetch_all


async def log_many(service: CheckinService, member: int, count: int, delay: str = "1h") -> list[int]:
    return [(await service.log_session(member, "feet", "light", check_in_after=delay)).checkin.id for _ in range(count)]


async def test_claim_returns_what_the_message_needs(service: CheckinService, member: int, clock: FakeClock) -> None:
    await service.set_timezone(member, "Europe/Paris")
    logged = await service.log_session(member, "calves", "firm", guild_id=70, channel_id=80)
    clock.advance(hours=24)

    [due] = await service.delivery.claim_due(clock.now)

    assert (due.checkin_id, due.user_id, due.area, due.intensity) == (
        logged.checkin.id,
        member,
        Area.CALVES,
        Intensity.FIRM,
    )
    assert (due.guild_id, due.channel_id, due.dm_channel_id, due.timezone) == (70, 80, None, "Europe/Paris")
    assert (due.logged_at, due.due_at, due.claimed_at) == (logged.session.logged_at, clock.now, clock.now)
    assert (due.late_by, due.attempt, due.is_follow_up) == (timedelta(0), 1, False)
    assert due.nonce == f"kb{logged.checkin.id}s0"
    assert len(due.nonce) <= 25


async def test_nothing_is_claimed_before_it_is_due(service: CheckinService, member: int, clock: FakeClock) -> None:
    await service.log_session(member, "calves", "firm")
    clock.advance(hours=23, minutes=59)
    assert await service.delivery.claim_due(clock.now) == []


async def test_a_claimed_checkin_is_not_returned_again(service: CheckinService, member: int, clock: FakeClock) -> None:
    ids = await log_many(service, member, 3)
    clock.advance(hours=1)

    first = await service.delivery.claim_due(clock.now, limit=2)
    rest = await service.delivery.claim_due(clock.now, limit=2)

    assert [d.checkin_id for d in first + rest] == ids
    assert await service.delivery.claim_due(clock.now) == []
    assert await service.delivery.next_due_at() is None


async def test_concurrent_claims_never_share_a_checkin(
    database_location: Path | str, service: CheckinService, member: int, clock: FakeClock
) -> None:
    ids = await log_many(service, member, 20)
    clock.advance(hours=1)
    other = await open_database(database_location)  # a second process on the same database
    try:
        deliveries = [service.delivery, CheckinDelivery(other, clock=clock)] * 3
        batches = await asyncio.gather(*(delivery.claim_due(clock.now, limit=4) for delivery in deliveries))
    finally:
        await other.close()

    claimed = [due.checkin_id for batch in batches for due in batch]
    assert sorted(claimed) == ids


async def test_checkin_survives_a_restart_and_is_delivered_once(
    database_location: Path | str, clock: FakeClock
) -> None:
    path = database_location
    db = await open_database(path)
    first_run = CheckinService(db, clock=clock)
    await first_run.give_consent(MEMBER)
    logged = await first_run.log_session(MEMBER, "thighs", "deep", check_in_after="2h")
    await db.close()

    clock.advance(hours=5)  # the bot was down when the check-in fell due
    db = await open_database(path)
    try:
        second_run = CheckinService(db, clock=clock)
        [due] = await second_run.delivery.claim_due(clock.now)
        assert await second_run.delivery.mark_sent(due.checkin_id, 1, 2)
        again = await second_run.delivery.claim_due(clock.now + timedelta(days=30))
    finally:
        await db.close()

    assert due.checkin_id == logged.checkin.id
    assert due.late_by == timedelta(hours=3)
    assert again == []


async def test_waiting_out_quiet_hours_does_not_count_as_late(
    service: CheckinService, member: int, clock: FakeClock
) -> None:
    clock.now = clock.now.replace(hour=20)
    await service.set_quiet_hours(member, "22:00", "07:00")
    logged = await service.log_session(member, "feet", "light", check_in_after="3h")  # due 23:00, sent 07:00
    clock.advance(hours=11, minutes=30)

    [due] = await service.delivery.claim_due(clock.now)

    assert due.due_at == logged.checkin.due_at
    assert due.late_by == timedelta(minutes=30)


async def test_stale_sending_rows_are_listed_for_reconciling(
    service: CheckinService, member: int, clock: FakeClock
) -> None:
    [old, recent] = await log_many(service, member, 2)
    clock.advance(hours=1)
    await service.delivery.claim_due(clock.now, limit=1)
    clock.advance(minutes=10)
    await service.delivery.claim_due(clock.now)  # the bot crashes before either send is settled
    clock.advance(minutes=1)

    stale = await service.delivery.stale_sending(older_than=timedelta(minutes=5))

    assert [(d.checkin_id, d.nonce, d.claimed_at) for d in stale] == [
        (old, f"kb{old}s0", clock.now - timedelta(minutes=11))
    ]
    assert [d.checkin_id for d in await service.delivery.stale_sending(timedelta(0))] == [old, recent]
    assert await service.delivery.mark_sent(old, 1, 2)
    assert [d.checkin_id for d in await service.delivery.stale_sending(timedelta(0))] == [recent]


async def test_retries_keep_the_nonce_then_fail_after_the_last_attempt(
    service: CheckinService, member: int, clock: FakeClock, db: Database
) -> None:
    [checkin_id] = await log_many(service, member, 1)
    clock.advance(hours=1)
    nonces, states = set(), []
    for attempt in range(1, 9):
        [due] = await service.delivery.claim_due(clock.now)
        assert due.attempt == attempt
        nonces.add(due.nonce)
        match Backoff().verdict(RetryLater("503"), due.attempt, clock.now):
            case Retry(at, _):
                states.append(await service.delivery.retry_later(checkin_id, at))
            case Failed(_):
                states.append(await service.delivery.give_up(checkin_id))
        clock.advance(hours=1)

    assert states == [CheckinState.PENDING] * 7 + [CheckinState.FAILED]
    assert nonces == {f"kb{checkin_id}s0"}
    failed = await row(db, "SELECT state, attempts, problem FROM checkins")
    assert tuple(failed) == ("failed", 8, "gave up after 8 delivery attempts")
    assert await service.delivery.claim_due(clock.now + timedelta(days=1)) == []


async def test_retry_waits_for_the_given_time(service: CheckinService, member: int, clock: FakeClock) -> None:
    [checkin_id] = await log_many(service, member, 1)
    clock.advance(hours=1)
    await service.delivery.claim_due(clock.now)
    await service.delivery.retry_later(checkin_id, clock.now + timedelta(minutes=2))

    assert await service.delivery.next_due_at() == clock.now + timedelta(minutes=2)
    assert await service.delivery.claim_due(clock.advance(minutes=1)) == []
    assert len(await service.delivery.claim_due(clock.advance(minutes=1))) == 1


async def test_settling_twice_changes_nothing(service: CheckinService, member: int, clock: FakeClock) -> None:
    [checkin_id] = await log_many(service, member, 1)
    clock.advance(hours=1)
    await service.delivery.claim_due(clock.now)

    assert await service.delivery.mark_sent(checkin_id, 1, 2) is True
    assert await service.delivery.mark_sent(checkin_id, 1, 3) is False
    assert await service.delivery.mark_undeliverable(checkin_id, "late") is False
    assert await service.delivery.retry_later(checkin_id, clock.now) is None


async def test_undeliverable_and_failed_checkins_are_both_reported_with_their_problem(
    service: CheckinService, member: int, clock: FakeClock
) -> None:
    [closed_dms, failing] = await log_many(service, member, 2)
    clock.advance(hours=1)
    await service.delivery.claim_due(clock.now)
    await service.delivery.mark_undeliverable(closed_dms, "dms-closed")
    await service.delivery.retry_later(failing, clock.now)
    await service.delivery.claim_due(clock.now)
    await service.delivery.give_up(failing)

    notices = await service.undelivered_notices(member)

    assert [(n.id, n.state, n.problem) for n in notices] == [
        (closed_dms, CheckinState.UNDELIVERABLE, "dms-closed"),
        (failing, CheckinState.FAILED, "gave up after 2 delivery attempts"),
    ]


async def undeliverable(service: CheckinService, user_id: int, count: int, clock: FakeClock) -> list[int]:
    """`count` check-ins of the member that could not reach them (DMs closed, nowhere else to post)."""
    ids = await log_many(service, user_id, count)
    clock.advance(hours=1)
    for due in await service.delivery.claim_due(clock.now):
        await service.delivery.mark_undeliverable(due.checkin_id, "dms-closed")
    return ids


async def test_undelivered_notices_are_offered_until_marked_and_reading_writes_nothing(
    db: Database, service: CheckinService, member: int, clock: FakeClock
) -> None:
    ids = await undeliverable(service, member, 2, clock)
    before = await fetch_all(db, "SELECT * FROM checkins ORDER BY id")

    first, second = await service.undelivered_notices(member), await service.undelivered_notices(member)
    await service.mark_notified(member, [])

    assert [n.id for n in first] == [n.id for n in second] == ids
    assert await fetch_all(db, "SELECT * FROM checkins ORDER BY id") == before


async def test_marked_notices_are_not_offered_again_and_unshown_ones_are(
    service: CheckinService, member: int, clock: FakeClock
) -> None:
    shown, lost_on_the_way = await undeliverable(service, member, 2, clock)

    await service.mark_notified(member, [shown])
    await service.mark_notified(member, [shown])  # twice changes nothing

    assert [n.id for n in await service.undelivered_notices(member)] == [lost_on_the_way]
    await service.mark_notified(member, [lost_on_the_way])
    assert await service.undelivered_notices(member) == []


async def test_marking_another_members_notices_changes_nothing(
    service: CheckinService, member: int, clock: FakeClock
) -> None:
    await service.give_consent(STRANGER)
    theirs = await undeliverable(service, STRANGER, 1, clock)

    await service.mark_notified(member, theirs)

    assert [n.id for n in await service.undelivered_notices(STRANGER)] == theirs
    assert await service.undelivered_notices(member) == []


@pytest.mark.parametrize(("attempt", "minutes"), [(1, 1), (2, 2), (4, 8), (7, 60), (20, 60), (10**6, 60)])
def test_retry_delay_backs_off_up_to_an_hour(attempt: int, minutes: int) -> None:
    assert Backoff().delay(attempt) == timedelta(minutes=minutes)
