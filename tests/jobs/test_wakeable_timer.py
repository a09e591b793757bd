"""The timer every job runs on: it says it is asleep only once everything it was woken for is handled."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.wakeable_timer import WakeableTimer
from tests.clock import FakeClock


async def test_a_wake_during_a_run_is_handled_before_it_says_it_is_asleep() -> None:
    clock = FakeClock(datetime(2026, 1, 1, tzinfo=UTC))
    naps: list[datetime] = []
    runs: list[str] = []
    running, may_finish = asyncio.Event(), asyncio.Event()

    async def job() -> datetime | None:
        runs.append("run")
        running.set()
        await may_finish.wait()
        return clock() + timedelta(hours=2)

    timer = WakeableTimer(job, clock=clock, name="test", on_asleep=naps.append)
    timer.start()
    try:
        await asyncio.wait_for(running.wait(), timeout=30)
        timer.wake()  # something changed while the first run was busy
        may_finish.set()
        async with asyncio.timeout(30):
            while not naps:
                await asyncio.sleep(0.001)
    finally:
        await timer.stop()

    assert runs == ["run", "run"]  # looked again before announcing
    assert naps == [clock() + timedelta(hours=1)]  # at most max_sleep (1 h), though the job said 2 h


async def test_an_error_in_the_job_is_retried_after_the_pause_not_fatal() -> None:
    clock = FakeClock(datetime(2026, 1, 1, tzinfo=UTC))
    naps: list[datetime] = []
    calls = 0

    async def broken() -> datetime | None:
        nonlocal calls
        calls += 1
        raise RuntimeError("database is locked")

    timer = WakeableTimer(broken, clock=clock, name="test", error_pause=timedelta(seconds=30), on_asleep=naps.append)
    timer.start()
    try:
        async with asyncio.timeout(30):
            while not naps:
                await asyncio.sleep(0.001)
        assert timer.is_running
    finally:
        await timer.stop()
    assert (calls, naps) == (1, [clock() + timedelta(seconds=30)])
