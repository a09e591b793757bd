"""JobRunner: claim due work in the database, hand it to a sender, settle the row, count it. Once.

RoboDanny's reminders have one timers table that serves every feature; kneadbot's features keep their
own tables (a check-in row and a daily-tip day have different guarantees) but share this one loop:

    start:  recover: every row a stopped process left claimed goes to `sender.resend`
    loop:   recover (PostgreSQL, while other processes hold claims): rows of a process that died
            claim a batch (pending -> sending) -> `sender.send` each -> `job.settle` -> `job.observe`
            sleep until `job.next_due_at()`, or until `wake()`; at most RECOVERY_POLL while other
            processes hold claims, so their rows are recovered within seconds if one dies

A feature plugs in a `Job` (its claim query and state changes, in its own package, no Discord) and a
`Sender` (in bot/exts: turns one item into a Discord request and returns an Outcome, never settling
anything itself). The retry policy (bot/jobs/policy.py), the timeout, the handling of exceptions and
the metrics hook are applied here, for every path: a sender's RetryLater, an exception, a timeout.

Each item is delivered by `_deliver`, which needs nothing from the others, so up to `concurrency`
items are in flight at once (KNEADBOT_DELIVERY_CONCURRENCY): with one at a time a 50 ms round trip
caps a process at 20 sends a second, well under Discord's 50. Every item is still claimed before it
is sent and settled exactly once after; a crash leaves the in-flight rows "sending", claimed by an
owner that is gone (bot/storage/cluster.py): on PostgreSQL any live process takes them over within
seconds, on SQLite (one process) the next start does. Pacing to Discord's global limit is the HTTP
client's (bot/ratelimit.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Generic, Protocol, TypeVar

from bot.clock import Clock
from bot.jobs.outcomes import HandOver, Outcome, RetryLater, Settled, Verdict
from bot.jobs.policy import Backoff
from bot.log import get_logger
from bot.wakeable_timer import MAX_SLEEP, WakeableTimer

Item = TypeVar("Item")
SentItem = TypeVar("SentItem", contravariant=True)

SEND_TIMEOUT = timedelta(minutes=2)
STOP_GRACE = timedelta(seconds=10)
BATCH_SIZE = 50
CONCURRENCY = 10
"""Sends in flight per runner: enough to fill 50 requests/s at a 150 ms round trip with room to spare."""
RECOVERY_POLL = timedelta(seconds=3)
"""While other processes hold claims, look this often whether one died: well inside Discord's nonce window."""

log = get_logger(__name__)


class Job(Protocol[Item]):
    """A feature's durable queue: claiming, settling and when next; SQL stays behind it in bot/storage."""

    name: str

    async def claim_due(self, now: datetime, limit: int) -> Sequence[Item]:
        """Move up to `limit` due items to "sending" and return them; each goes to one caller only."""

    async def release(self, items: Sequence[Item]) -> None:
        """Hand back claimed items that were never attempted (stopping mid-batch)."""

    async def stale(self, now: datetime) -> Sequence[Item]:
        """Items whose claimer is gone, now claimed by this process: they may or may not have reached
        Discord. On PostgreSQL, those of processes whose owner lock is free; on SQLite every claimed
        item, so the runner asks at start only there (`claimed_elsewhere` is never true on SQLite)."""

    async def claimed_elsewhere(self) -> bool:
        """Whether another process holds claimed items now (it may die holding them)."""

    async def settle(self, item: Item, verdict: Verdict) -> Settled:
        """Record `verdict` for a claimed item; GONE when it was not claimed any more."""

    async def next_due_at(self, now: datetime) -> datetime | None:
        """When to look again (None: nothing is planned)."""

    def attempt_of(self, item: Item) -> int:
        """Which attempt this claim is (1 for the first)."""

    def describe(self, item: Item) -> str:
        """A short name for logs, e.g. "check-in 12"; ids only, never member text."""

    def observe(self, item: Item, settled: Settled) -> None:
        """Count `settled` in the metrics; called exactly once per settled attempt, on every path."""


class Sender(Protocol[SentItem]):
    """The Discord side: one request per item and an Outcome; it never writes to the database."""

    async def send(self, item: SentItem) -> Outcome:
        """Send a freshly claimed item."""

    async def resend(self, item: SentItem) -> Outcome:
        """Send an item a stopped process may already have sent: look for it first, or rely on its nonce."""


Asleep = Callable[[str, datetime], None]
"""Told the job's name and until when, each time the runner goes to sleep with nothing left to do."""


class JobRunner(Generic[Item]):
    """Runs one Job with one Sender on one task; `start` reconciles first, `stop` hands back the rest."""

    def __init__(
        self,
        job: Job[Item],
        sender: Sender[Item],
        *,
        clock: Clock,
        policy: Backoff | None = None,
        batch_size: int = BATCH_SIZE,
        send_timeout: timedelta = SEND_TIMEOUT,
        concurrency: int = CONCURRENCY,
        max_sleep: timedelta = MAX_SLEEP,
        recovery_poll: timedelta = RECOVERY_POLL,
        on_asleep: Asleep | None = None,
    ) -> None:
        self.job, self._sender, self._clock = job, sender, clock
        self.policy = policy if policy is not None else Backoff()
        self._batch_size, self._send_timeout = batch_size, send_timeout
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self._concurrency = concurrency
        self._on_asleep = on_asleep
        self._reconciled = False
        self._recovery_poll = recovery_poll
        self._timer = WakeableTimer(
            self._run, clock=clock, name=f"{job.name}-runner", max_sleep=max_sleep, on_asleep=self._asleep
        )

    @property
    def is_running(self) -> bool:
        return self._timer.is_running

    def start(self) -> None:
        """Start the one task (again: nothing happens); its first run reconciles what a crash left."""
        self._timer.start()

    def wake(self) -> None:
        """Look at the database again now: what is due, or when, may have changed."""
        self._timer.wake()

    async def stop(self, grace: timedelta = STOP_GRACE) -> None:
        """Let the item in progress finish (up to `grace`), hand back the rest of its batch, end the task.

        An item cut off after `grace` stays claimed: the next start reconciles it.
        """
        await self._timer.stop(grace)

    async def reconcile(self) -> int:
        """Take over and settle every item a stopped or dead process left claimed, one at a time,
        through `sender.resend`; returns how many.

        Each is settled on its own, so one that cannot be settled now is retried later and never keeps
        the others (or the loop) from running.
        """
        stale = await self.job.stale(self._clock())
        if stale:
            log.warning("%s: resending %s item(s) left claimed by a process that stopped", self.job.name, len(stale))
        for item in stale:
            await self._deliver(item, resend=True)
        self._reconciled = True
        return len(stale)

    async def run_due(self) -> int:
        """Claim and deliver everything due now, batch by batch, up to `concurrency` at once.

        Returns how many were attempted, once every one of them is settled. Stopping hands back the
        claimed items that have not started; the ones in flight finish (or stay claimed if cut off).
        """
        attempted = 0
        slots = asyncio.Semaphore(self._concurrency)
        async with asyncio.TaskGroup() as in_flight:
            while not self._timer.stopping:
                await slots.acquire()  # claim only once a send can start: fewer rows left "sending" by a crash
                slots.release()
                batch = await self.job.claim_due(self._clock(), self._batch_size)
                for position, item in enumerate(batch):
                    await slots.acquire()
                    if self._timer.stopping:
                        slots.release()
                        await self.job.release(batch[position:])
                        return attempted
                    in_flight.create_task(self._deliver_in(slots, item))
                    attempted += 1
                if len(batch) < self._batch_size:
                    break
        return attempted

    async def _deliver_in(self, slots: asyncio.Semaphore, item: Item) -> None:
        try:
            await self._deliver(item)
        finally:
            slots.release()

    async def _run(self) -> datetime | None:
        if not self._reconciled or await self.job.claimed_elsewhere():
            await self.reconcile()
        await self.run_due()
        next_due = await self.job.next_due_at(self._clock())
        if await self.job.claimed_elsewhere():  # another process may die holding them: look again soon
            soon = self._clock() + self._recovery_poll
            return soon if next_due is None else min(next_due, soon)
        return next_due

    def _asleep(self, until: datetime) -> None:
        if self._on_asleep is not None:
            self._on_asleep(self.job.name, until)

    async def _deliver(self, item: Item, *, resend: bool = False) -> None:
        """Send one item and settle it: the only place an outcome becomes a row change and a metric."""
        outcome = await self._attempt(item, resend=resend)
        verdict = self.policy.verdict(outcome, self.job.attempt_of(item), self._clock())
        try:
            settled = await self.job.settle(item, verdict)
        except Exception:
            log.exception(
                "Could not record %s for %s; it stays claimed until the next start", verdict, self.job.describe(item)
            )
            return
        if settled is not Settled.GONE:
            self.job.observe(item, settled)
        if isinstance(verdict, HandOver) and settled is Settled.RETRYING:  # routine with shards: no warning
            log.info("%s: %s", self.job.describe(item), verdict.reason)
        elif settled in (Settled.RETRYING, Settled.FAILED, Settled.UNDELIVERABLE):
            log.warning("%s not delivered (%s): %s", self.job.describe(item), _reason(verdict), settled.value)

    async def _attempt(self, item: Item, *, resend: bool) -> Outcome:
        """The sender's outcome; an exception or a timeout is a RetryLater, so nothing is ever lost."""
        send = self._sender.resend if resend else self._sender.send
        try:
            async with asyncio.timeout(self._send_timeout.total_seconds()):
                return await send(item)
        except Exception as error:
            log.exception("Sending %s (attempt %s) failed", self.job.describe(item), self.job.attempt_of(item))
            return RetryLater(type(error).__name__)


def _reason(verdict: Verdict) -> str:
    return getattr(verdict, "reason", type(verdict).__name__)
