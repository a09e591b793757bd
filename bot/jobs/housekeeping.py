"""Housekeeping (the retention purges) as a bot.jobs Job, so it shares the runner's retries, logs and metrics.

Each task's schedule lives in the `housekeeping` table (storage/housekeeping.py), not in memory: a bot
restarted every few hours still purges on time, a run missed while it was stopped happens once at the
next start, and of several processes exactly one runs a due task (a guarded UPDATE claims it; on
PostgreSQL a transaction-level advisory lock per task lets the others skip it without waiting).

    claim:  due task -> next_run_at moved to the end of its lease, claimed_at set, attempts + 1
    run:    HousekeepingSender calls the task's work (a purge, batch by batch) -> Done(summary)
    settle: next_run_at = now + interval, last_run_at, last_result; an error retries with the backoff

A run cut off by a crash keeps its lease (LEASE) and is then simply due again: a purge is idempotent,
so there is nothing to reconcile at start.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.clock import Clock
from bot.jobs.outcomes import Done, Failed, HandOver, Outcome, Retry, Sent, Settled, Undeliverable, Verdict
from bot.jobs.policy import Backoff
from bot.jobs.runner import Asleep, JobRunner
from bot.storage import housekeeping as housekeeping_sql
from bot.storage.db import Database
from bot.storage.transactions import transaction

HOUSEKEEPING_BACKOFF = Backoff(first=timedelta(minutes=1), longest=timedelta(minutes=30), max_attempts=5)
"""A failing purge is tried again after 1, 2, 4, 8 minutes, then waits for its next regular run."""
RUN_TIMEOUT = timedelta(minutes=20)
"""Pass to the JobRunner as `send_timeout`: a purge in batches may take minutes, not the 2 of a send."""
LEASE = timedelta(hours=1)
"""How long a claim keeps a task from the others: longer than RUN_TIMEOUT plus the stop grace, so a
live run is never taken over; a crashed one is due again after it."""
ONCE_A_DAY = timedelta(days=1)

Work = Callable[[], Awaitable[str]]
"""Does the housekeeping and says what it did, e.g. "removed 3 sessions" (ids and counts only)."""


@dataclass(frozen=True)
class Task:
    """One housekeeping task: a unique name (its row and its advisory lock), its work and how often."""

    name: str
    work: Work
    interval: timedelta = ONCE_A_DAY


@dataclass(frozen=True)
class HousekeepingRun:
    """A claimed task: which attempt this is, and the claim time that guards its settling."""

    task: Task
    attempt: int
    claimed_at: datetime


class HousekeepingMetrics(Protocol):
    def housekeeping_finished(self, task: str, outcome: str) -> None: ...


class HousekeepingJob:
    """Claims due tasks from the durable schedule and settles each run; `name` names the runner."""

    def __init__(
        self, name: str, db: Database, tasks: Sequence[Task], *, clock: Clock, metrics: HousekeepingMetrics
    ) -> None:
        if len({task.name for task in tasks}) != len(tasks):
            raise ValueError("housekeeping task names must be unique")
        self.name, self._db, self._clock, self._metrics = name, db, clock, metrics
        self._tasks = {task.name: task for task in tasks}
        self._scheduled = False

    async def claim_due(self, now: datetime, limit: int) -> Sequence[HousekeepingRun]:
        """Each due task in a transaction of its own, skipped when another process holds its lock."""
        await self._schedule(now)
        runs = []
        for name in (await housekeeping_sql.due_names(self._db, list(self._tasks), now))[:limit]:
            async with transaction(self._db):
                attempt = None
                if await housekeeping_sql.try_lock(self._db, name):
                    attempt = await housekeeping_sql.claim(self._db, name, now, now + LEASE)
            if attempt is not None:
                runs.append(HousekeepingRun(self._tasks[name], attempt, now))
        return runs

    async def release(self, items: Sequence[HousekeepingRun]) -> None:
        async with transaction(self._db):
            for run in items:
                await housekeeping_sql.release(self._db, run.task.name, run.claimed_at, self._clock())

    async def stale(self, now: datetime) -> Sequence[HousekeepingRun]:
        """Nothing to reconcile: a run cut off by a crash is due again when its lease ends."""
        return []

    async def claimed_elsewhere(self) -> bool:
        """Never worth watching: another process's run that dies is simply due again after its lease."""
        return False

    async def settle(self, item: HousekeepingRun, verdict: Verdict) -> Settled:
        now = self._clock()
        regular = now + item.task.interval
        match verdict:
            case Done(summary):
                return await self._finish(item, regular, summary, Settled.DONE)
            case Retry(at, reason):
                return await self._finish(item, at, f"error, retrying: {reason}", Settled.RETRYING)
            case Failed(reason) | Undeliverable(reason):
                return await self._finish(item, regular, f"failed: {reason}", Settled.FAILED)
            case Sent() | HandOver():
                raise TypeError("housekeeping sends nothing to Discord: the sender returned the wrong outcome")

    async def next_due_at(self, now: datetime) -> datetime | None:
        await self._schedule(now)
        return await housekeeping_sql.next_run_at(self._db, list(self._tasks))

    def attempt_of(self, item: HousekeepingRun) -> int:
        return item.attempt

    def describe(self, item: HousekeepingRun) -> str:
        return f"housekeeping task {item.task.name}"

    def observe(self, item: HousekeepingRun, settled: Settled) -> None:
        self._metrics.housekeeping_finished(item.task.name, settled.value)

    async def _schedule(self, now: datetime) -> None:
        """Give each task a row once per process; a new task is due at once, a known one keeps its time."""
        if not self._scheduled:
            async with transaction(self._db):
                await housekeeping_sql.ensure(self._db, list(self._tasks), now)
            self._scheduled = True

    async def _finish(self, run: HousekeepingRun, next_run_at: datetime, result: str, settled: Settled) -> Settled:
        async with transaction(self._db):
            mine = await housekeeping_sql.finish(
                self._db,
                run.task.name,
                run.claimed_at,
                next_run_at=next_run_at,
                ran_at=self._clock(),
                result=result,
                retrying=settled is Settled.RETRYING,
            )
        return settled if mine else Settled.GONE


class HousekeepingSender:
    """The runner's Sender for housekeeping: runs the task's work; an exception becomes the runner's retry."""

    async def send(self, item: HousekeepingRun) -> Outcome:
        return Done(await item.task.work())

    async def resend(self, item: HousekeepingRun) -> Outcome:
        return await self.send(item)


def housekeeping_runner(
    name: str,
    db: Database,
    tasks: Sequence[Task],
    *,
    clock: Clock,
    metrics: HousekeepingMetrics,
    on_asleep: Asleep | None = None,
) -> JobRunner[HousekeepingRun]:
    """A JobRunner over `tasks` with housekeeping's backoff and run timeout; the runner is named `name`."""
    job = HousekeepingJob(name, db, tasks, clock=clock, metrics=metrics)
    return JobRunner(
        job,
        HousekeepingSender(),
        clock=clock,
        policy=HOUSEKEEPING_BACKOFF,
        send_timeout=RUN_TIMEOUT,
        on_asleep=on_asleep,
    )
