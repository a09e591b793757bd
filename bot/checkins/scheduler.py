"""CheckinScheduler: one task that sleeps until the next check-in is due, then hands it to Discord.

The database is the only queue: the task asks it when the next delivery is due, sleeps until then (or
until `wake()`, which the delivery object calls whenever a check-in is added, moved or cancelled) and
claims what is due in batches. Nothing is kept only in memory, so a restart picks up exactly where
the last run stopped, and there is no task per check-in to leak or double.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import datetime, timedelta

from bot.checkins.delivery import CheckinDelivery, Clock, retry_delay
from bot.checkins.models import DueCheckin
from bot.log import get_logger

Deliver = Callable[[DueCheckin], Awaitable[None]]

MAX_SLEEP = timedelta(hours=1)
"""Safety net: look at the database at least this often even if a wake-up was somehow missed."""
DELIVER_TIMEOUT = timedelta(minutes=2)
STOP_GRACE = timedelta(seconds=10)
ERROR_PAUSE = timedelta(seconds=30)

log = get_logger(__name__)


class CheckinScheduler:
    """Delivers due check-ins through `deliver`, which must settle each one (see `deliver_due`)."""

    def __init__(
        self,
        delivery: CheckinDelivery,
        deliver: Deliver,
        *,
        clock: Clock,
        batch_size: int = 50,
        max_sleep: timedelta = MAX_SLEEP,
        deliver_timeout: timedelta = DELIVER_TIMEOUT,
    ) -> None:
        self._delivery, self._deliver, self._clock = delivery, deliver, clock
        self._batch_size, self._max_sleep, self._deliver_timeout = batch_size, max_sleep, deliver_timeout
        self._wake_up = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.sleeping_until: datetime | None = None
        delivery.on_schedule_change(self.wake)

    @property
    def is_running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start the one delivery task; starting again while it runs does nothing."""
        if not self.is_running:
            self._task = asyncio.create_task(self._run(), name="checkin-scheduler")

    async def stop(self, grace: timedelta = STOP_GRACE) -> None:
        """Let the delivery in progress finish (up to `grace`), hand back the rest, and end the task.

        A delivery cut off after `grace` stays "sending": `stale_sending` finds it at the next start.
        """
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self.wake()
        try:
            async with asyncio.timeout(grace.total_seconds()):
                await asyncio.shield(task)
        except TimeoutError:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        finally:
            self._stopping = False

    def wake(self) -> None:
        """Look at the database again now: the next due time may have changed."""
        self._wake_up.set()

    async def deliver_due(self) -> int:
        """Claim and deliver everything due now, batch by batch; returns how many were attempted.

        `deliver` must call mark_sent, mark_undeliverable or retry_later for its check-in. If it raises
        or times out, the check-in is retried later with backoff, so an error never loses one.
        """
        attempted = 0
        while not self._stopping:
            batch = await self._delivery.claim_due(self._clock(), self._batch_size)
            for position, due in enumerate(batch):
                if self._stopping:
                    await self._delivery.release([rest.checkin_id for rest in batch[position:]])
                    break
                await self._deliver_one(due)
                attempted += 1
            if len(batch) < self._batch_size:
                break
        return attempted

    async def _deliver_one(self, due: DueCheckin) -> None:
        try:
            async with asyncio.timeout(self._deliver_timeout.total_seconds()):
                await self._deliver(due)
        except Exception:
            log.exception("Delivering check-in %s (attempt %s) failed; retrying later", due.checkin_id, due.attempt)
            await self._retry(due)

    async def _retry(self, due: DueCheckin) -> None:
        """Schedule another attempt; if even that fails the row stays "sending" for `stale_sending`."""
        try:
            await self._delivery.retry_later(due.checkin_id, self._clock() + retry_delay(due.attempt))
        except Exception:
            log.exception("Could not reschedule check-in %s; it stays marked as sending", due.checkin_id)

    async def _run(self) -> None:
        while not self._stopping:
            self._wake_up.clear()
            try:
                await self.deliver_due()
                pause = await self._time_until_next()
            except Exception:
                log.exception("Check-in scheduler hit an error; trying again in %s", ERROR_PAUSE)
                pause = ERROR_PAUSE
            with suppress(TimeoutError):
                async with asyncio.timeout(pause.total_seconds()):
                    await self._wake_up.wait()

    async def _time_until_next(self) -> timedelta:
        now = self._clock()
        next_due = await self._delivery.next_due_at()
        latest = now + self._max_sleep
        self.sleeping_until = latest if next_due is None else min(next_due, latest)
        return max(self.sleeping_until - now, timedelta(0))
