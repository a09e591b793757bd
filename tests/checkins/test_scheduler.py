from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bot.checkins.delivery import CheckinDelivery
from bot.checkins.models import DueCheckin
from bot.checkins.scheduler import CheckinScheduler
from bot.checkins.service import CheckinService
from bot.storage.db import open_database
from tests.checkins.support import MEMBER, FakeClock
from tests.sql import fetch_all


class DiscordSide:
    """Stands in for the delivery layer: records what it sent and settles it, or fails on request."""

    def __init__(self, delivery: CheckinDelivery, *, failures: int = 0, hang: bool = False) -> None:
        self.delivery, self.failures, self.hang = delivery, failures, hang
        self.sent: list[DueCheckin] = []
        self.started = asyncio.Event()
        self.may_finish = asyncio.Event()
        self.may_finish.set()

    async def __call__(self, due: DueCheckin) -> None:
        self.started.set()
        await self.may_finish.wait()
        if self.hang:
            await asyncio.Event().wait()
        if self.failures:
            self.failures -= 1
            raise RuntimeError("Discord answered 503")
        await self.delivery.mark_sent(due.checkin_id, channel_id=9, message_id=due.checkin_id)
        self.sent.append(due)

    @property
    def sent_ids(self) -> list[int]:
        return [due.checkin_id for due in self.sent]


async def eventually(condition: Callable[[], bool], timeout_seconds: float = 30.0) -> None:
    """Let the scheduler task run until `condition` holds (it changes state only between awaits)."""
    async with asyncio.timeout(timeout_seconds):
        while not condition():
            await asyncio.sleep(0.001)


def make_scheduler(service: CheckinService, discord: DiscordSide, clock: FakeClock) -> CheckinScheduler:
    return CheckinScheduler(service.delivery, discord, clock=clock, max_sleep=timedelta(days=30))


async def test_one_task_whatever_the_number_of_checkins(service: CheckinService, member: int, clock: FakeClock) -> None:
    for hours in range(1, 21):
        await service.log_session(member, "feet", "light", check_in_after=f"{hours}h")
    scheduler = make_scheduler(service, DiscordSide(service.delivery), clock)
    before = asyncio.all_tasks()

    scheduler.start()
    scheduler.start()
    await eventually(lambda: scheduler.sleeping_until is not None)

    assert len(asyncio.all_tasks() - before) == 1
    await scheduler.stop()
    assert not scheduler.is_running
    assert asyncio.all_tasks() == before


async def test_wakes_for_a_sooner_checkin(service: CheckinService, member: int, clock: FakeClock) -> None:
    discord = DiscordSide(service.delivery)
    scheduler = make_scheduler(service, discord, clock)
    later = await service.log_session(member, "calves", "firm", check_in_after="24h")
    scheduler.start()
    try:
        await eventually(lambda: scheduler.sleeping_until == later.checkin.deliver_at)
        sooner = await service.log_session(member, "feet", "light", check_in_after="1h")
        await eventually(lambda: scheduler.sleeping_until == sooner.checkin.deliver_at)

        clock.advance(hours=1)
        scheduler.wake()
        await eventually(lambda: discord.sent_ids == [sooner.checkin.id])
        await eventually(lambda: scheduler.sleeping_until == later.checkin.deliver_at)
    finally:
        await scheduler.stop()


async def test_each_checkin_is_delivered_once_across_a_restart(database_location: Path | str, clock: FakeClock) -> None:
    path = database_location
    db = await open_database(path)
    service = CheckinService(db, clock=clock)
    await service.give_consent(MEMBER)
    ids = [(await service.log_session(MEMBER, "feet", "light", check_in_after=f"{h}h")).checkin.id for h in (1, 2, 3)]
    first_run = DiscordSide(service.delivery)
    scheduler = make_scheduler(service, first_run, clock)
    scheduler.start()
    clock.advance(hours=1)
    scheduler.wake()
    await eventually(lambda: first_run.sent_ids == ids[:1])
    await scheduler.stop()
    await db.close()

    clock.advance(hours=5)  # down while the other two fell due
    db = await open_database(path)
    service = CheckinService(db, clock=clock)
    second_run = DiscordSide(service.delivery)
    scheduler = make_scheduler(service, second_run, clock)
    scheduler.start()
    try:
        await eventually(lambda: second_run.sent_ids == ids[1:])
        clock.advance(days=20)
        scheduler.wake()
        await eventually(lambda: scheduler.sleeping_until == clock.now + timedelta(days=30))
        states = [state for [state] in await fetch_all(db, "SELECT state FROM checkins ORDER BY id")]
    finally:
        await scheduler.stop()
        await db.close()

    assert second_run.sent_ids == ids[1:]
    assert [due.late_by for due in second_run.sent] == [timedelta(hours=4), timedelta(hours=3)]
    assert states == ["sent", "sent", "sent"]


async def test_a_failing_delivery_is_retried_not_lost(
    service: CheckinService, member: int, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    logged = await service.log_session(member, "feet", "light", check_in_after="1h")
    discord = DiscordSide(service.delivery, failures=2)
    scheduler = make_scheduler(service, discord, clock)
    clock.advance(hours=1)

    assert await scheduler.deliver_due() == 1
    assert await service.delivery.next_due_at() == clock.now + timedelta(minutes=1)
    clock.advance(minutes=1)
    await scheduler.deliver_due()
    assert await scheduler.deliver_due() == 0
    clock.advance(minutes=2)
    await scheduler.deliver_due()

    assert [(due.checkin_id, due.attempt, due.nonce) for due in discord.sent] == [
        (logged.checkin.id, 3, f"kb{logged.checkin.id}s0")
    ]
    assert "Discord answered 503" in caplog.text


async def test_a_hanging_delivery_times_out_and_is_retried(
    service: CheckinService, member: int, clock: FakeClock
) -> None:
    await service.log_session(member, "feet", "light", check_in_after="1h")
    discord = DiscordSide(service.delivery, hang=True)
    scheduler = CheckinScheduler(service.delivery, discord, clock=clock, deliver_timeout=timedelta(milliseconds=5))
    clock.advance(hours=1)

    await scheduler.deliver_due()

    assert await service.delivery.next_due_at() == clock.now + timedelta(minutes=1)
    clock.advance(seconds=1)
    assert await service.delivery.stale_sending(timedelta(0)) == []


async def test_delivers_in_batches_until_nothing_is_due(service: CheckinService, member: int, clock: FakeClock) -> None:
    for _ in range(7):
        await service.log_session(member, "feet", "light", check_in_after="1h")
    discord = DiscordSide(service.delivery)
    scheduler = CheckinScheduler(service.delivery, discord, clock=clock, batch_size=3)
    clock.advance(hours=1)

    assert await scheduler.deliver_due() == 7
    assert len(set(discord.sent_ids)) == 7


async def test_stop_finishes_the_send_in_progress_and_hands_back_the_rest(
    service: CheckinService, member: int, clock: FakeClock
) -> None:
    for _ in range(3):
        await service.log_session(member, "feet", "light", check_in_after="1h")
    discord = DiscordSide(service.delivery)
    discord.may_finish.clear()
    scheduler = make_scheduler(service, discord, clock)
    clock.advance(hours=1)
    scheduler.start()
    await discord.started.wait()

    stopping = asyncio.create_task(scheduler.stop())
    await asyncio.sleep(0)
    discord.may_finish.set()
    await stopping
    clock.advance(seconds=1)

    assert len(discord.sent) == 1
    assert await service.delivery.stale_sending(timedelta(0)) == []
    again = await service.delivery.claim_due(clock.now)
    assert [due.attempt for due in again] == [1, 1]


async def test_stop_cuts_off_a_hanging_send_after_the_grace_period(
    service: CheckinService, member: int, clock: FakeClock
) -> None:
    logged = await service.log_session(member, "feet", "light", check_in_after="1h")
    discord = DiscordSide(service.delivery, hang=True)
    scheduler = make_scheduler(service, discord, clock)
    clock.advance(hours=1)
    scheduler.start()
    await discord.started.wait()

    await scheduler.stop(grace=timedelta(milliseconds=5))
    clock.advance(seconds=1)

    assert not scheduler.is_running
    assert [due.checkin_id for due in await service.delivery.stale_sending(timedelta(0))] == [logged.checkin.id]
