"""WakeableTimer: one asyncio task that does a job, then sleeps until the job says it is next needed.

The pattern of RoboDanny's reminders, without the job built in: the job does whatever is due and
returns when it is next due (None: nothing planned); the task sleeps until then, or until `wake()`
(something changed the plan), and at most `max_sleep` as a safety net. An error in the job is logged
and retried after `error_pause`, so the task never dies quietly. bot/jobs/runner.py runs every
background job on it.

`on_asleep` is told each time the task goes to sleep with no wake-up pending, that is when
everything due at its last look has been handled: the runner passes it on as a bot event.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.log import get_logger

Job = Callable[[], Awaitable[datetime | None]]

MAX_SLEEP = timedelta(hours=1)
ERROR_PAUSE = timedelta(seconds=30)

log = get_logger(__name__)


class WakeableTimer:
    """Runs `job` now, and again whenever it is next due or `wake()` is called."""

    def __init__(
        self,
        job: Job,
        *,
        clock: Clock,
        name: str,
        max_sleep: timedelta = MAX_SLEEP,
        error_pause: timedelta = ERROR_PAUSE,
        on_asleep: Callable[[datetime], None] | None = None,
    ) -> None:
        self._job, self._clock, self._name = job, clock, name
        self._max_sleep, self._error_pause = max_sleep, error_pause
        self._on_asleep = on_asleep
        self._wake_up = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.stopping = False
        """True while `stop` waits for the job: a long job checks it to hand back unfinished work."""

    @property
    def is_running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start the one task; starting again while it runs does nothing."""
        if not self.is_running:
            self._task = asyncio.create_task(self._run(), name=self._name)

    async def stop(self, grace: timedelta = timedelta(0)) -> None:
        """End the task: a job in progress gets up to `grace` to finish (it sees `stopping`), then is cancelled."""
        task, self._task = self._task, None
        if task is None:
            return
        self.stopping = True
        self.wake()
        try:
            async with asyncio.timeout(grace.total_seconds()):
                await asyncio.shield(task)
        except TimeoutError:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        finally:
            self.stopping = False

    def wake(self) -> None:
        """Run the job again now: what is due, or when, may have changed."""
        self._wake_up.set()

    async def _run(self) -> None:
        while not self.stopping:
            self._wake_up.clear()
            try:
                pause = self._pause_until(await self._job())
            except Exception:
                log.exception("%s hit an error; trying again in %s", self._name, self._error_pause)
                pause = self._error_pause
            if self.stopping:
                return
            if self._wake_up.is_set():
                continue  # woken while busy: look again before telling anyone it is idle
            if self._on_asleep is not None:
                self._on_asleep(self._clock() + pause)
            with suppress(TimeoutError):
                async with asyncio.timeout(pause.total_seconds()):
                    await self._wake_up.wait()

    def _pause_until(self, next_due: datetime | None) -> timedelta:
        now = self._clock()
        latest = now + self._max_sleep
        until = latest if next_due is None else min(next_due, latest)
        return max(until - now, timedelta(0))
