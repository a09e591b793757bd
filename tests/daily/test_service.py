"""The daily tip: set, shown, claimed exactly once per local day, through restarts, downtime and DST."""

from __future__ import annotations

import asyncio
import random
from datetime import date, datetime, time, timedelta

import pytest

from bot.checkins.errors import BadQuietHours, UnknownTimezone
from bot.daily.models import DailyClaim, PostState, ScheduleState, daily_nonce
from bot.daily.service import DailyTipService
from bot.guilds.audit import AuditTrail
from bot.guilds.models import AuditAction
from bot.guilds.service import GuildService
from bot.guilds.tips import GuildTipService
from bot.library.models import Tip
from bot.storage.db import Database, open_database
from tests.clock import FakeClock, utc
from tests.daily.support import last_post_of, schedule_of
from tests.guilds.support import MOD_A, MOD_B, SERVER_A, SERVER_B, tip_fields
from tests.sql import fetch_all

CHANNEL_A, CHANNEL_B = 7_001, 7_002


async def claim_now(daily: DailyTipService, clock: FakeClock) -> list[DailyClaim]:
    """What the scheduler does each time it wakes: claim every due server."""
    claims = [await daily.claim(guild_id, clock()) for guild_id in await daily.due_guilds(clock())]
    return [claim for claim in claims if claim is not None]


async def test_set_plans_the_next_local_time_and_show_reports_it(daily: DailyTipService, clock: FakeClock) -> None:
    clock.set(utc(2026, 7, 1, 10, 0))  # 11:00 in London (BST)

    status = await daily.set(SERVER_A, MOD_A, channel_id=CHANNEL_A, post_time="9:00", timezone="europe/london")

    schedule = status.schedule
    assert (schedule.channel_id, schedule.post_time, schedule.timezone) == (CHANNEL_A, time(9, 0), "Europe/London")
    assert (schedule.state, schedule.next_local_date, schedule.next_run_at) == (
        ScheduleState.ACTIVE,
        date(2026, 7, 2),
        utc(2026, 7, 2, 8, 0),
    )
    assert status.last_post is None
    assert await daily.show(SERVER_A) == status
    assert await daily.show(SERVER_B) is None
    assert await daily.next_run_at() == utc(2026, 7, 2, 8, 0)


async def test_set_refuses_bad_times_and_zones(daily: DailyTipService) -> None:
    with pytest.raises(BadQuietHours, match="HH:MM"):
        await daily.set(SERVER_A, MOD_A, channel_id=CHANNEL_A, post_time="25:00")
    with pytest.raises(UnknownTimezone):
        await daily.set(SERVER_A, MOD_A, channel_id=CHANNEL_A, post_time="09:00", timezone="Mars/Olympus")
    assert await daily.show(SERVER_A) is None


async def test_the_zone_defaults_to_utc_then_to_the_previous_one(daily: DailyTipService) -> None:
    first = await daily.set(SERVER_A, MOD_A, channel_id=CHANNEL_A, post_time="09:00")
    await daily.set(SERVER_A, MOD_A, channel_id=CHANNEL_A, post_time="09:00", timezone="Asia/Tokyo")
    again = await daily.set(SERVER_A, MOD_A, channel_id=CHANNEL_A, post_time="10:00")
    assert (first.schedule.timezone, again.schedule.timezone) == ("UTC", "Asia/Tokyo")


async def test_a_due_tip_is_claimed_once_with_its_date_channel_and_nonce(
    daily: DailyTipService, clock: FakeClock, builtin_tips: list[Tip]
) -> None:
    clock.set(utc(2026, 1, 10, 8, 0))
    await daily.set(SERVER_A, MOD_A, channel_id=CHANNEL_A, post_time="09:00", timezone="Europe/London")
    assert await claim_now(daily, clock) == []

    clock.set(utc(2026, 1, 10, 9, 0))
    [claim] = await claim_now(daily, clock)

    assert (claim.guild_id, claim.channel_id, claim.local_date) == (SERVER_A, CHANNEL_A, date(2026, 1, 10))
    assert claim.nonce == daily_nonce(SERVER_A, date(2026, 1, 10))
    assert claim.scheduled_at == utc(2026, 1, 10, 9, 0)
    assert claim.tip in builtin_tips
    assert await claim_now(daily, clock) == []
    assert await daily.claim(SERVER_A, clock()) is None
    assert (await schedule_of(daily, SERVER_A)).next_run_at == utc(2026, 1, 11, 9, 0)


async def test_mark_posted_records_the_message(daily: DailyTipService, clock: FakeClock) -> None:
    clock.set(utc(2026, 1, 10, 8, 0))
    await daily.set(SERVER_A, MOD_A, channel_id=CHANNEL_A, post_time="09:00")
    clock.advance(hours=1)
    [claim] = await claim_now(daily, clock)

    assert await daily.mark_posted(SERVER_A, claim.local_date, message_id=555)
    assert not await daily.mark_posted(SERVER_A, claim.local_date, message_id=556)  # settled once
    assert not await daily.mark_posted(SERVER_B, claim.local_date, message_id=557)  # other server's day
    last = await last_post_of(daily, SERVER_A)
    assert (last.state, last.message_id, last.tip_id, last.nonce) == (PostState.POSTED, 555, claim.tip.id, claim.nonce)


async def test_a_restart_between_claimed_and_posted_does_not_post_that_day_again(
    db: Database, audit: AuditTrail, clock: FakeClock, builtin_tips: list[Tip]
) -> None:
    clock.set(utc(2026, 1, 10, 8, 0))
    before = DailyTipService(db, builtin_tips=lambda: builtin_tips, audit=audit, clock=clock)
    await before.set(SERVER_A, MOD_A, channel_id=CHANNEL_A, post_time="09:00")
    clock.set(utc(2026, 1, 10, 9, 0))
    [claim] = await claim_now(before, clock)
    # ... the process dies here, before Discord answered and before mark_posted ...

    clock.advance(minutes=3)
    after = DailyTipService(db, builtin_tips=lambda: builtin_tips, audit=audit, clock=clock)
    assert await claim_now(after, clock) == []
    clock.advance(minutes=10)
    [stale] = await after.unconfirm_in_flight()
    assert (stale.local_date, stale.nonce, stale.tip, stale.may_post) == (
        claim.local_date,
        claim.nonce,
        claim.tip,
        True,
    )
    assert (await last_post_of(after, SERVER_A)).state is PostState.UNCONFIRMED
    assert await claim_now(after, clock) == []
    assert await after.unconfirm_in_flight() == []

    # A send that finishes late is still recorded; the next day is posted as usual.
    assert await after.mark_posted(SERVER_A, claim.local_date, message_id=99)
    clock.set(utc(2026, 1, 11, 9, 0))
    [tomorrow] = await claim_now(after, clock)
    assert tomorrow.local_date == date(2026, 1, 11)


async def test_a_day_missed_while_offline_is_posted_once_if_still_that_day(
    daily: DailyTipService, clock: FakeClock
) -> None:
    clock.set(utc(2026, 1, 10, 8, 0))
    await daily.set(SERVER_A, MOD_A, channel_id=CHANNEL_A, post_time="09:00")

    clock.set(utc(2026, 1, 10, 21, 0))  # down from 08:55 to 21:00: still the 10th
    [claim] = await claim_now(daily, clock)
    assert claim.local_date == date(2026, 1, 10)
    assert await claim_now(daily, clock) == []


async def test_a_missed_day_that_is_over_is_skipped(daily: DailyTipService, clock: FakeClock) -> None:
    clock.set(utc(2026, 1, 10, 8, 0))
    await daily.set(SERVER_A, MOD_A, channel_id=CHANNEL_A, post_time="09:00")

    clock.set(utc(2026, 1, 11, 8, 0))  # the 10th is over and the 11th's time has not come
    assert await claim_now(daily, clock) == []
    schedule = await schedule_of(daily, SERVER_A)
    assert (schedule.next_local_date, schedule.next_run_at) == (date(2026, 1, 11), utc(2026, 1, 11, 9, 0))

    clock.set(utc(2026, 1, 13, 10, 0))  # down for two days, back after today's time: only today
    [claim] = await claim_now(daily, clock)
    assert claim.local_date == date(2026, 1, 13)
    assert await claim_now(daily, clock) == []


async def test_a_missed_day_counts_in_the_servers_zone_not_utc(daily: DailyTipService, clock: FakeClock) -> None:
    clock.set(utc(2026, 1, 10, 0, 0))
    await daily.set(SERVER_A, MOD_A, channel_id=CHANNEL_A, post_time="20:00", timezone="America/New_York")

    clock.set(utc(2026, 1, 11, 4, 30))  # 23:30 on the 10th in New York, already the 11th in UTC
    [claim] = await claim_now(daily, clock)
    assert claim.local_date == date(2026, 1, 10)


@pytest.mark.parametrize(
    ("zone", "post_time", "days"),
    [
        ("Europe/London", "01:30", [utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1, 0), utc(2026, 3, 30, 0, 30)]),
        ("Europe/London", "01:30", [utc(2026, 10, 24, 0, 30), utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)]),
        ("America/New_York", "02:30", [utc(2026, 3, 7, 7, 30), utc(2026, 3, 8, 7, 0), utc(2026, 3, 9, 6, 30)]),
    ],
)
async def test_one_tip_per_local_day_through_clock_changes(
    daily: DailyTipService, clock: FakeClock, zone: str, post_time: str, days: list[datetime]
) -> None:
    clock.set(days[0] - timedelta(hours=3))
    await daily.set(SERVER_A, MOD_A, channel_id=CHANNEL_A, post_time=post_time, timezone=zone)

    claimed: list[tuple[date, datetime]] = []
    while clock() < days[-1] + timedelta(hours=1):  # step through every quarter hour of three days
        clock.advance(minutes=15)
        claimed += [(claim.local_date, clock()) for claim in await claim_now(daily, clock)]

    assert [moment for _day, moment in claimed] == days
    assert len({day for day, _moment in claimed}) == 3


async def test_changing_the_time_after_todays_post_waits_for_tomorrow(daily: DailyTipService, clock: FakeClock) -> None:
    clock.set(utc(2026, 1, 10, 9, 0))
    await daily.set(SERVER_A, MOD_A, channel_id=CHANNEL_A, post_time="09:30")
    clock.set(utc(2026, 1, 10, 9, 30))
    [_today] = await claim_now(daily, clock)

    status = await daily.set(SERVER_A, MOD_A, channel_id=CHANNEL_A, post_time="18:00")
    assert status.schedule.next_local_date == date(2026, 1, 11)
    assert status.last_post is not None
    assert status.last_post.local_date == date(2026, 1, 10)


async def test_the_daily_cycle_uses_built_in_and_this_servers_tips_without_repeats(
    daily: DailyTipService, guild_tips: GuildTipService, clock: FakeClock, builtin_tips: list[Tip]
) -> None:
    ours = [await guild_tips.add(SERVER_A, MOD_A, **tip_fields(text=f"Server tip {n}, gently.")) for n in range(2)]
    theirs = await guild_tips.add(SERVER_B, MOD_B, **tip_fields())
    clock.set(utc(2026, 1, 1, 8, 0))
    await daily.set(SERVER_A, MOD_A, channel_id=CHANNEL_A, post_time="09:00")

    picked = []
    for day in range(14):
        clock.set(utc(2026, 1, 1 + day, 9, 0))
        picked += [claim.tip.id for claim in await claim_now(daily, clock)]

    expected = {tip.id for tip in builtin_tips} | {tip.ref for tip in ours}
    assert set(picked[:7]) == expected == set(picked[7:])
    assert theirs.ref not in picked


async def test_a_server_tip_removed_mid_cycle_is_skipped(
    daily: DailyTipService, guild_tips: GuildTipService, clock: FakeClock
) -> None:
    gone = await guild_tips.add(SERVER_A, MOD_A, **tip_fields())
    clock.set(utc(2026, 1, 1, 8, 0))
    await daily.set(SERVER_A, MOD_A, channel_id=CHANNEL_A, post_time="09:00")
    await guild_tips.remove(SERVER_A, MOD_A, gone.id)

    picked = []
    for day in range(5):
        clock.set(utc(2026, 1, 1 + day, 9, 0))
        picked += [claim.tip.id for claim in await claim_now(daily, clock)]
    assert len(picked) == 5
    assert gone.ref not in picked


async def test_disable_turns_the_schedule_off_and_says_why(
    daily: DailyTipService, guilds: GuildService, clock: FakeClock
) -> None:
    clock.set(utc(2026, 1, 10, 8, 0))
    await daily.set(SERVER_A, MOD_A, channel_id=CHANNEL_A, post_time="09:00")
    await daily.set(SERVER_B, MOD_B, channel_id=CHANNEL_B, post_time="09:00")
    clock.set(utc(2026, 1, 10, 9, 0))
    claim_a = await daily.claim(SERVER_A, clock())
    assert claim_a is not None

    assert await daily.disable(SERVER_A, "The daily tip channel was deleted.")
    assert not await daily.disable(SERVER_A, "again")

    status = await daily.show(SERVER_A)
    assert status is not None
    assert (status.schedule.state, status.schedule.disabled_reason, status.schedule.disabled_at) == (
        ScheduleState.DISABLED,
        "The daily tip channel was deleted.",
        clock(),
    )
    assert status.schedule.next_run_at is None
    assert status.last_post is not None
    assert (status.last_post.state, status.last_post.problem) == (
        PostState.FAILED,
        "The daily tip channel was deleted.",
    )
    assert await daily.due_guilds(clock()) == [SERVER_B]
    [entry, *_] = await guilds.recent_actions(SERVER_A)
    assert (entry.actor_id, entry.action) == (None, AuditAction.DAILY_TIP_TURNED_OFF)

    again = await daily.set(SERVER_A, MOD_A, channel_id=CHANNEL_B, post_time="09:00")
    assert (again.schedule.state, again.schedule.disabled_reason) == (ScheduleState.ACTIVE, None)


async def test_stop_removes_the_schedule(daily: DailyTipService, guilds: GuildService, clock: FakeClock) -> None:
    await daily.set(SERVER_A, MOD_A, channel_id=CHANNEL_A, post_time="09:00")
    assert await daily.stop(SERVER_A, MOD_B)
    assert not await daily.stop(SERVER_A, MOD_B)
    assert await daily.show(SERVER_A) is None
    assert await daily.next_run_at() is None
    assert [e.action for e in await guilds.recent_actions(SERVER_A)] == [
        AuditAction.STOP_DAILY_TIP,
        AuditAction.SET_DAILY_TIP,
    ]


async def test_schedule_listeners_hear_set_stop_and_disable(daily: DailyTipService) -> None:
    heard: list[str] = []
    daily.schedule_changes.add(lambda: heard.append("changed"))
    await daily.set(SERVER_A, MOD_A, channel_id=CHANNEL_A, post_time="09:00")
    await daily.disable(SERVER_A, "Lost permission.")
    await daily.set(SERVER_A, MOD_A, channel_id=CHANNEL_A, post_time="09:00")
    await daily.stop(SERVER_A, MOD_A)
    assert len(heard) == 4


async def test_servers_never_see_or_change_each_others_daily_tip(daily: DailyTipService, clock: FakeClock) -> None:
    clock.set(utc(2026, 1, 10, 8, 0))
    await daily.set(SERVER_A, MOD_A, channel_id=CHANNEL_A, post_time="09:00")
    await daily.set(SERVER_B, MOD_B, channel_id=CHANNEL_B, post_time="09:00")
    assert not await daily.stop(999, MOD_A)

    clock.set(utc(2026, 1, 10, 9, 0))
    claims = {claim.guild_id: claim for claim in await claim_now(daily, clock)}
    assert {gid: claim.channel_id for gid, claim in claims.items()} == {SERVER_A: CHANNEL_A, SERVER_B: CHANNEL_B}
    assert claims[SERVER_A].nonce != claims[SERVER_B].nonce

    assert await daily.mark_posted(SERVER_A, date(2026, 1, 10), message_id=1)
    assert await daily.stop(SERVER_B, MOD_B)
    status_a = await daily.show(SERVER_A)
    assert status_a is not None
    assert status_a.schedule.state is ScheduleState.ACTIVE
    assert status_a.last_post is not None
    assert status_a.last_post.state is PostState.POSTED
    assert await daily.show(SERVER_B) is None


async def test_servers_the_bot_left_are_not_posted_to_until_it_returns(
    daily: DailyTipService, guilds: GuildService, clock: FakeClock
) -> None:
    clock.set(utc(2026, 1, 10, 8, 0))
    await daily.set(SERVER_A, MOD_A, channel_id=CHANNEL_A, post_time="09:00")
    await guilds.mark_left(SERVER_A)
    clock.set(utc(2026, 1, 10, 9, 0))
    assert await daily.due_guilds(clock()) == []
    assert await daily.claim(SERVER_A, clock()) is None
    assert await daily.next_run_at() is None

    await guilds.mark_joined(SERVER_A)
    [claim] = await claim_now(daily, clock)
    assert claim.local_date == date(2026, 1, 10)


async def test_purging_a_departed_server_removes_its_daily_tip_too(
    daily: DailyTipService, guilds: GuildService, clock: FakeClock, db: Database
) -> None:
    clock.set(utc(2026, 1, 10, 8, 0))
    await daily.set(SERVER_A, MOD_A, channel_id=CHANNEL_A, post_time="09:00")
    await daily.set(SERVER_B, MOD_B, channel_id=CHANNEL_B, post_time="09:00")
    clock.set(utc(2026, 1, 10, 9, 0))
    assert len(await claim_now(daily, clock)) == 2
    await guilds.mark_left(SERVER_A)

    assert await guilds.purge_departed(clock() + timedelta(days=30)) == [SERVER_A]
    assert await daily.show(SERVER_A) is None
    for table in ("daily_tip_posts", "daily_tip_cycle"):
        rows = await fetch_all(db, f"SELECT DISTINCT guild_id FROM {table}")
        assert [row[0] for row in rows] == [SERVER_B], table


async def test_a_server_with_no_tips_at_all_gets_nothing(db: Database, audit: AuditTrail, clock: FakeClock) -> None:
    daily = DailyTipService(db, builtin_tips=list, audit=audit, clock=clock, rng=random.Random(1))
    clock.set(utc(2026, 1, 10, 8, 0))
    await daily.set(SERVER_A, MOD_A, channel_id=CHANNEL_A, post_time="09:00")
    clock.set(utc(2026, 1, 10, 9, 0))
    assert await claim_now(daily, clock) == []
    assert await daily.next_run_at() == utc(2026, 1, 11, 9, 0)


async def test_concurrent_claims_of_one_server_day_give_one_claim(
    database_location, daily: DailyTipService, db: Database, clock: FakeClock, builtin_tips
) -> None:
    """Several processes claiming the same server's day at once: one claim, one cycle entry, one post row."""
    clock.set(utc(2026, 1, 9, 12, 0))
    await daily.set(SERVER_A, MOD_A, channel_id=CHANNEL_A, post_time="09:00", timezone="UTC")
    clock.set(utc(2026, 1, 10, 9, 0))
    processes = [await open_database(database_location) for _ in range(3)]
    try:
        services = [
            DailyTipService(p, builtin_tips=lambda: builtin_tips, audit=AuditTrail(p, clock=clock), clock=clock)
            for p in processes
        ]
        claims = await asyncio.gather(*(services[n % 3].claim(SERVER_A, clock()) for n in range(9)))
    finally:
        for process in processes:
            await process.close()

    assert len([claim for claim in claims if claim is not None]) == 1
    [[posts]] = await fetch_all(db, "SELECT count(*) FROM daily_tip_posts WHERE guild_id = ?", SERVER_A)
    [[used]] = await fetch_all(db, "SELECT count(*) FROM daily_tip_cycle WHERE guild_id = ?", SERVER_A)
    assert (posts, used) == (1, 1)


async def test_a_claim_handed_back_unattempted_is_due_again_at_once_as_a_first_attempt(
    daily: DailyTipService, clock: FakeClock
) -> None:
    """Stopping mid-batch releases what was not tried: same day, same nonce, the attempt not counted."""
    clock.set(utc(2026, 1, 10, 8, 0))
    await daily.set(SERVER_A, MOD_A, channel_id=CHANNEL_A, post_time="09:00")
    clock.set(utc(2026, 1, 10, 9, 0))
    [claim] = await claim_now(daily, clock)

    await daily.release([claim])

    assert await daily.next_due_at() == clock()
    [again] = await daily.claim_retries(clock(), limit=10)
    assert (again.local_date, again.nonce, again.tip, again.attempt) == (claim.local_date, claim.nonce, claim.tip, 1)
    assert await daily.claim_retries(clock(), limit=10) == []
    assert await daily.unconfirm_in_flight() == [again]  # claimed and in flight again, like any fresh claim


async def test_concurrent_retry_claims_take_each_waiting_day_once(
    database_location, daily: DailyTipService, db: Database, clock: FakeClock, builtin_tips
) -> None:
    """Several processes claiming retries at once (FOR UPDATE SKIP LOCKED on PostgreSQL): each waiting
    day goes to one of them, as its second attempt, and the attempt is counted once."""
    clock.set(utc(2026, 1, 9, 12, 0))
    await daily.set(SERVER_A, MOD_A, channel_id=CHANNEL_A, post_time="09:00", timezone="UTC")
    await daily.set(SERVER_B, MOD_B, channel_id=CHANNEL_B, post_time="09:00", timezone="UTC")
    clock.set(utc(2026, 1, 10, 9, 0))
    claims = await claim_now(daily, clock)
    for claim in claims:
        assert await daily.retry(claim.guild_id, claim.local_date, clock() + timedelta(minutes=1), "timeout")
    clock.advance(minutes=1)
    processes = [await open_database(database_location) for _ in range(3)]
    try:
        services = [
            DailyTipService(p, builtin_tips=lambda: builtin_tips, audit=AuditTrail(p, clock=clock), clock=clock)
            for p in processes
        ]
        taken = await asyncio.gather(*(services[n % 3].claim_retries(clock(), limit=10) for n in range(6)))
    finally:
        for process in processes:
            await process.close()

    retried = sorted((claim.guild_id, claim.attempt) for batch in taken for claim in batch)
    assert retried == [(SERVER_A, 2), (SERVER_B, 2)]
    rows = await fetch_all(db, "SELECT guild_id, attempts, retry_at FROM daily_tip_posts ORDER BY guild_id")
    assert [tuple(row) for row in rows] == [(SERVER_A, 2, None), (SERVER_B, 2, None)]
