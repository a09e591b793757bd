"""PeriodicJob: housekeeping (the retention purges) on the same timer, lifecycle and events as JobRunner.

A purge has no rows to claim one by one: it is one DELETE of everything past its date, safe to run
twice. So it runs every `interval` from start-up, and once right away so a long-stopped bot catches up.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.jobs.runner import Asleep
from bot.wakeable_timer import WakeableTimer

Work = Callable[[], Awaitable[object]]
"""Does the housekeeping (and logs what it removed)."""


ONCE_A_DAY = timedelta(days=1)


class PeriodicJob:
    """Runs `work` at start and then every `interval`; an error is logged and tried again (WakeableTimer)."""

    def __init__(
        self,
        name: str,
        work: Work,
        *,
        clock: Clock,
        interval: timedelta = ONCE_A_DAY,
        on_asleep: Asleep | None = None,
    ) -> None:
        self.name, self._work, self._clock, self._interval = name, work, clock, interval
        self._on_asleep = on_asleep
        self._timer = WakeableTimer(self._run, clock=clock, name=name, max_sleep=interval, on_asleep=self._asleep)

    @property
    def is_running(self) -> bool:
        return self._timer.is_running

    def start(self) -> None:
        self._timer.start()

    def wake(self) -> None:
        self._timer.wake()

    async def stop(self, grace: timedelta = timedelta(0)) -> None:
        await self._timer.stop(grace)

    async def _run(self) -> datetime:
        await self._work()
        return self._clock() + self._interval

    def _asleep(self, until: datetime) -> None:
        if self._on_asleep is not None:
            self._on_asleep(self.name, until)
