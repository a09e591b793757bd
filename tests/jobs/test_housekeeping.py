"""Housekeeping runs on a stored schedule: restarts neither skip nor repeat a run, and two processes run it once.

Each test drives the real JobRunner over a real database (SQLite file, and PostgreSQL when configured);
"a restart" and "another process" are a second `Database` opened on the same file or URL.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.jobs.housekeeping import LEASE, HousekeepingRun, Task, housekeeping_runner
from bot.jobs.runner import JobRunner
from bot.metrics import Metrics
from bot.storage import housekeeping as housekeeping_sql
from bot.storage.db import Database, open_database
from bot.storage.housekeeping import ScheduledTask
from tests.clock import FakeClock

DAY = timedelta(days=1)


class Purge:
    """A housekeeping task's work that counts its runs, and can be told to fail."""

    def __init__(self) -> None:
        self.runs = 0
        self.failures_left = 0

    async def __call__(self) -> str:
        await asyncio.sleep(0)  # let a racing runner interleave here
        if self.failures_left:
            self.failures_left -= 1
            raise RuntimeError("disk full")
        self.runs += 1
        return f"removed {self.runs} rows"


@pytest.fixture
async def opened(database_location: Path | str) -> AsyncIterator[list[Database]]:
    """Databases opened on the test's location ("processes"); all closed at the end."""
    databases: list[Database] = []
    yield databases
    for database in databases:
        await database.close()


async def process(
    opened: list[Database], location: Path | str, purge: Purge, clock: FakeClock, metrics: Metrics | None = None
) -> JobRunner[HousekeepingRun]:
    """A freshly started process: its own Database on the shared location and its own runner."""
    database = await open_database(location)
    opened.append(database)
    task = Task("test-purge", purge, interval=DAY)
    return housekeeping_runner("test-housekeeping", database, [task], clock=clock, metrics=metrics or Metrics())


async def row(database: Database) -> ScheduledTask:
    [found] = await housekeeping_sql.schedule(database)
    return found


async def test_the_schedule_survives_a_restart_and_a_missed_run_happens_once(
    opened: list[Database], database_location: Path | str, clock: FakeClock
) -> None:
    purge = Purge()
    first = await process(opened, database_location, purge, clock)
    assert await first.run_due() == 1
    started_at = clock()

    clock.advance(hours=5)  # restarted well within the day: nothing is due, nothing runs again
    second = await process(opened, database_location, purge, clock)
    assert await second.run_due() == 0
    stored = await row(opened[-1])
    assert (purge.runs, stored.last_run_at, stored.next_run_at) == (1, started_at, started_at + DAY)
    assert stored.last_result == "removed 1 rows"

    clock.advance(days=3)  # stopped over three due times: one catch-up run at the next start, not three
    third = await process(opened, database_location, purge, clock)
    assert await third.run_due() == 1
    assert await third.run_due() == 0
    assert purge.runs == 2
    assert (await row(opened[-1])).next_run_at == clock() + DAY


async def test_two_processes_racing_for_a_due_task_run_it_once(
    opened: list[Database], database_location: Path | str, clock: FakeClock
) -> None:
    purge = Purge()
    runners = [await process(opened, database_location, purge, clock) for _ in range(2)]
    for _ in range(3):  # three due times, each raced for by both processes
        attempted = await asyncio.gather(*(runner.run_due() for runner in runners))
        assert sorted(attempted) == [0, 1]
        clock.advance(days=1)
    assert purge.runs == 3


async def test_a_failing_purge_retries_with_the_backoff_then_records_success(
    opened: list[Database], database_location: Path | str, clock: FakeClock
) -> None:
    purge, metrics = Purge(), Metrics(process_metrics=False)
    purge.failures_left = 1
    runner = await process(opened, database_location, purge, clock, metrics)
    await runner.run_due()
    failed = await row(opened[-1])
    assert failed.last_result == "error, retrying: RuntimeError"
    assert failed.next_run_at == clock() + timedelta(minutes=1)

    clock.advance(minutes=1)
    assert await runner.run_due() == 1
    done = await row(opened[-1])
    assert (purge.runs, done.last_result, done.next_run_at) == (1, "removed 1 rows", clock() + DAY)
    counted = {
        (sample.labels["outcome"], sample.value)
        for metric in metrics.housekeeping_runs.collect()
        for sample in metric.samples
        if sample.name.endswith("_total")
    }
    assert counted == {("retrying", 1.0), ("done", 1.0)}


async def test_a_run_cut_off_by_a_crash_is_due_again_only_after_its_lease(
    opened: list[Database], database_location: Path | str, clock: FakeClock
) -> None:
    purge = Purge()
    crashed = await process(opened, database_location, purge, clock)
    [run] = await crashed.job.claim_due(clock(), 10)  # claimed, then the process died before running it

    restarted = await process(opened, database_location, purge, clock)
    clock.advance(minutes=30)
    assert await restarted.run_due() == 0  # a live run is never taken over inside its lease
    clock.set(run.claimed_at + LEASE)
    assert await restarted.run_due() == 1
    assert purge.runs == 1
    assert (await row(opened[-1])).claimed_at is None
