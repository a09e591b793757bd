"""CheckinScheduler: one task that sleeps until the next check-in is due, then hands it to Discord.

The database is the only queue: the task asks it when the next delivery is due, sleeps until then (or
until `wake()`, which the delivery object calls whenever a check-in is added, moved or cancelled) and
claims what is due in batches. Nothing is kept only in memory, so a restart picks up exactly where
the last run stopped, and there is no task per check-in to leak or double. The sleeping and waking
is bot.wakeable_timer's; this module adds claiming, delivering and retrying.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.checkins.delivery import CheckinDelivery, retry_delay
from bot.checkins.models import DueCheckin
from bot.clock import Clock
from bot.log import get_logger
from bot.wakeable_timer import MAX_SLEEP, TimerDriven, WakeableTimer

Deliver = Callable[[DueCheckin], Awaitable[None]]

DELIVER_TIMEOUT = timedelta(minutes=2)
STOP_GRACE = timedelta(seconds=10)

log = get_logger(__name__)


class CheckinScheduler(TimerDriven):
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
        self._batch_size, self._deliver_timeout = batch_size, deliver_timeout
        self._timer = WakeableTimer(self._deliver_and_plan, clock=clock, name="checkin-scheduler", max_sleep=max_sleep)
        delivery.on_schedule_change(self.wake)

    async def stop(self, grace: timedelta = STOP_GRACE) -> None:
        """Let the delivery in progress finish (up to `grace`), hand back the rest, and end the task.

        A delivery cut off after `grace` stays "sending": the cog reconciles it at the next start.
        """
        await self._timer.stop(grace)

    async def deliver_due(self) -> int:
        """Claim and deliver everything due now, batch by batch; returns how many were attempted.

        `deliver` must call mark_sent, mark_undeliverable or retry_later for its check-in. If it raises
        or times out, the check-in is retried later with backoff, so an error never loses one.
        """
        attempted = 0
        while not self._timer.stopping:
            batch = await self._delivery.claim_due(self._clock(), self._batch_size)
            for position, due in enumerate(batch):
                if self._timer.stopping:
                    await self._delivery.release([rest.checkin_id for rest in batch[position:]])
                    break
                await self._deliver_one(due)
                attempted += 1
            if len(batch) < self._batch_size:
                break
        return attempted

    async def _deliver_and_plan(self) -> datetime | None:
        await self.deliver_due()
        return await self._delivery.next_due_at()

    async def _deliver_one(self, due: DueCheckin) -> None:
        try:
            async with asyncio.timeout(self._deliver_timeout.total_seconds()):
                await self._deliver(due)
        except Exception:
            log.exception("Delivering check-in %s (attempt %s) failed; retrying later", due.checkin_id, due.attempt)
            await self._retry(due)

    async def _retry(self, due: DueCheckin) -> None:
        """Schedule another attempt; if even that fails the row stays "sending".

        Such rows are not retried by this task: the cog reconciles them at the next start, through
        `CheckinDelivery.stale_sending` (found in the channel means sent, else send again).
        """
        try:
            await self._delivery.retry_later(due.checkin_id, self._clock() + retry_delay(due.attempt))
        except Exception:
            log.exception("Could not reschedule check-in %s; it stays marked as sending", due.checkin_id)
