"""The job runner sends several due items at once, never more than its bound, and still settles each once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

import pytest

from bot.checkins.delivery import CheckinJob
from bot.checkins.models import DueCheckin
from bot.checkins.service import CheckinService
from bot.jobs.outcomes import Outcome, Sent
from bot.jobs.runner import JobRunner
from bot.metrics import Metrics
from bot.storage.db import Database
from tests.checkins.support import FakeClock
from tests.sql import fetch_all

MEMBERS = (2001, 2002, 2003)
PER_MEMBER = 10


class HeldDiscord:
    """A Discord whose answers the test releases: it counts what is in flight at once."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.most_in_flight = 0
        self.sent: list[int] = []
        self.gate = asyncio.Event()

    async def send(self, due: DueCheckin) -> Outcome:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await self.gate.wait()
        finally:
            self.in_flight -= 1
        self.sent.append(due.checkin_id)
        return Sent(channel_id=9, message_id=due.checkin_id)

    async def resend(self, due: DueCheckin) -> Outcome:
        return await self.send(due)


async def eventually(condition: Callable[[], bool], timeout_seconds: float = 30.0) -> None:
    async with asyncio.timeout(timeout_seconds):
        while not condition():
            await asyncio.sleep(0.001)


@pytest.fixture
async def due_ids(db: Database, clock: FakeClock) -> list[int]:
    """The ids in due order."""
    service = CheckinService(db, clock=clock)
    ids = []
    for member in MEMBERS:
        await service.give_consent(member)
    for minutes in range(PER_MEMBER):
        for member in MEMBERS:
            logged = await service.log_session(member, "calves", "light", check_in_after=f"{60 + minutes}m")
            ids.append(logged.checkin.id)
    clock.advance(hours=2)
    return ids


def runner_for(db: Database, discord: HeldDiscord, clock: FakeClock, **options: int) -> JobRunner[DueCheckin]:
    service = CheckinService(db, clock=clock)
    job = CheckinJob(service.delivery, Metrics(process_metrics=False))
    return JobRunner(job, discord, clock=clock, max_sleep=timedelta(days=30), **options)


async def states(db: Database) -> dict[str, int]:
    rows = await fetch_all(db, "SELECT state, count(*) FROM checkins GROUP BY state")
    return {str(state): int(count) for state, count in rows}


async def test_sends_up_to_the_bound_at_once_and_each_checkin_once(
    db: Database, clock: FakeClock, due_ids: list[int]
) -> None:
    discord = HeldDiscord()
    runner = runner_for(db, discord, clock, concurrency=4, batch_size=7)
    draining = asyncio.create_task(runner.run_due())

    await eventually(lambda: discord.in_flight == 4)
    await asyncio.sleep(0.05)  # room for a fifth send to start, were the bound not kept
    assert discord.in_flight == 4
    discord.gate.set()

    assert await draining == len(due_ids)
    assert discord.most_in_flight == 4
    assert sorted(discord.sent) == sorted(due_ids)
    assert await states(db) == {"sent": len(due_ids)}


async def test_one_at_a_time_when_the_bound_is_one(db: Database, clock: FakeClock, due_ids: list[int]) -> None:
    discord = HeldDiscord()
    discord.gate.set()
    runner = runner_for(db, discord, clock, concurrency=1)

    assert await runner.run_due() == len(due_ids)
    assert discord.most_in_flight == 1
    assert discord.sent == due_ids  # in due order, as before


async def test_stopping_mid_drain_finishes_the_ones_in_flight_and_hands_back_the_rest(
    db: Database, clock: FakeClock, due_ids: list[int]
) -> None:
    discord = HeldDiscord()
    runner = runner_for(db, discord, clock, concurrency=3)
    runner.start()
    await eventually(lambda: discord.in_flight == 3)

    stopping = asyncio.create_task(runner.stop(grace=timedelta(seconds=30)))
    await asyncio.sleep(0.01)
    discord.gate.set()
    await stopping

    assert len(discord.sent) == 3
    assert await states(db) == {"sent": 3, "pending": len(due_ids) - 3}
    restarted = HeldDiscord()
    restarted.gate.set()
    assert await runner_for(db, restarted, clock, concurrency=5).run_due() == len(due_ids) - 3
    assert sorted(discord.sent + restarted.sent) == sorted(due_ids)
    assert await states(db) == {"sent": len(due_ids)}


async def test_a_crash_mid_drain_leaves_the_in_flight_rows_for_the_next_start(
    db: Database, clock: FakeClock, due_ids: list[int]
) -> None:
    discord = HeldDiscord()
    runner = runner_for(db, discord, clock, concurrency=5, batch_size=5)
    draining = asyncio.create_task(runner.run_due())
    await eventually(lambda: discord.in_flight == 5)

    draining.cancel()  # the process dies with five sends on the wire
    with pytest.raises(asyncio.CancelledError):
        await draining

    assert await states(db) == {"sending": 5, "pending": len(due_ids) - 5}
    clock.advance(seconds=1)
    restarted = HeldDiscord()
    restarted.gate.set()
    after_restart = runner_for(db, restarted, clock, concurrency=5)
    assert await after_restart.reconcile() == 5
    assert await after_restart.run_due() == len(due_ids) - 5
    assert sorted(restarted.sent) == sorted(due_ids)
    assert await states(db) == {"sent": len(due_ids)}


def test_a_bound_below_one_is_refused(db: Database, clock: FakeClock) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        runner_for(db, HeldDiscord(), clock, concurrency=0)
