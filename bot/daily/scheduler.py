"""DailyTipScheduler: one task that sleeps until the next server's daily tip is due, then hands it over.

The database is the only queue (DailyTipService.next_run_at), so a restart carries on where the last
run stopped. `post` is the Discord side: it sends the claim's tip with the claim's nonce and settles
the day (mark_posted, or disable when the channel or permission is gone). If it raises or times out,
it is tried again a few times with the same claim, so the same nonce: should Discord have accepted an
earlier try, it drops the repeat instead of posting twice. After the last try the day is marked failed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.daily.models import DailyClaim, DailyPost
from bot.daily.service import DailyTipService
from bot.log import get_logger
from bot.wakeable_timer import ERROR_PAUSE, MAX_SLEEP, TimerDriven, WakeableTimer

Post = Callable[[DailyClaim], Awaitable[None]]
Recover = Callable[[DailyPost], Awaitable[None]]

POST_TIMEOUT = timedelta(minutes=1)
RETRY_DELAYS = (timedelta(seconds=5), timedelta(seconds=30))
"""Pauses before the second and third tries; all within Discord's few-minute nonce window."""
STALE_AFTER = timedelta(minutes=10)
"""A claim unsettled this long was cut off by a crash or restart: longer than every try together."""

log = get_logger(__name__)


class DailyTipScheduler(TimerDriven):
    """Posts each server's daily tip through `post`; `wake()` after a schedule changes (done for you)."""

    def __init__(
        self,
        service: DailyTipService,
        post: Post,
        *,
        clock: Clock,
        post_timeout: timedelta = POST_TIMEOUT,
        retry_delays: Sequence[timedelta] = RETRY_DELAYS,
        stale_after: timedelta = STALE_AFTER,
        max_sleep: timedelta = MAX_SLEEP,
        recover: Recover | None = None,
    ) -> None:
        self._service, self._post, self._clock, self._recover = service, post, clock, recover
        self._post_timeout, self._retry_delays, self._stale_after = post_timeout, tuple(retry_delays), stale_after
        self._timer = WakeableTimer(self._run_and_plan, clock=clock, name="daily-tip-scheduler", max_sleep=max_sleep)
        self._had_failed_claim = False
        service.on_schedule_change(self.wake)

    async def stop(self) -> None:
        """Stop the task; a tip it was posting stays claimed until a later run finds the claim stale.

        That run settles it and hands it to `recover`, which looks for the tip in the channel and, if it
        is not there and it is still that local day, posts it once with the claim's nonce.
        """
        await self._timer.stop()

    async def run_due(self) -> int:
        """Settle claims cut off by a restart, then claim and post every tip due now; returns how many."""
        now = self._clock()
        for stale in await self._service.settle_stale_claims(now, self._stale_after):
            log.warning("Daily tip of guild %s for %s was cut off mid-post", stale.guild_id, stale.local_date)
            await self._recover_one(stale)
        posted, self._had_failed_claim = 0, False
        for guild_id in await self._service.due_guilds(now):
            claim = await self._claim(guild_id, now)
            if claim is not None:
                await self._post_with_retries(claim)
                posted += 1
        return posted

    async def _recover_one(self, stale: DailyPost) -> None:
        """Let the Discord side find the cut-off post, or post it once if the day is not over."""
        if self._recover is None:
            return
        try:
            await self._recover(stale)
        except Exception:
            log.exception("Recovering the daily tip of guild %s for %s failed", stale.guild_id, stale.local_date)

    async def _claim(self, guild_id: int, now: datetime) -> DailyClaim | None:
        """One server's claim; an error is logged and skipped so one bad row cannot stop every server."""
        try:
            return await self._service.claim(guild_id, now)
        except Exception:
            log.exception("Claiming the daily tip of guild %s failed; trying again later", guild_id)
            self._had_failed_claim = True
            return None

    async def _run_and_plan(self) -> datetime | None:
        """Run, then say when to run next; after a failed claim (still due) wait ERROR_PAUSE, not 0 s."""
        await self.run_due()
        next_at = await self._service.next_run_at()
        if self._had_failed_claim and next_at is not None:
            return max(next_at, self._clock() + ERROR_PAUSE)
        return next_at

    async def _post_with_retries(self, claim: DailyClaim) -> None:
        problem = ""
        for pause in (timedelta(0), *self._retry_delays):
            await asyncio.sleep(pause.total_seconds())
            try:
                async with asyncio.timeout(self._post_timeout.total_seconds()):
                    await self._post(claim)
                return
            except Exception as error:
                problem = f"Posting failed: {type(error).__name__}"
                log.exception("Posting the daily tip of guild %s for %s failed", claim.guild_id, claim.local_date)
        await self._service.mark_failed(claim.guild_id, claim.local_date, problem)
