"""DailyTipJob: the daily tip as a bot.jobs Job, so it shares the check-ins' runner, backoff and metrics.

A fresh day is claimed by DailyTipService.claim (the UNIQUE day row makes a second post impossible);
a day whose post failed for a passing reason waits in the database for its retry time, so the backoff
survives a restart. The Discord side (bot/exts/daily_tip.py) only posts and reports an Outcome.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from bot.daily.models import DailyClaim
from bot.daily.service import DailyTipService
from bot.jobs.outcomes import Done, Failed, HandOver, Retry, Sent, Settled, Undeliverable, Verdict
from bot.jobs.policy import Backoff
from bot.log import get_logger
from bot.storage.cluster import PAUSED_RETRY, ClaimsPaused

DAILY_BACKOFF = Backoff(first=timedelta(seconds=30), longest=timedelta(minutes=30), max_attempts=6)
"""Retries well within the local day: 30 s, 1, 2, 4, 8 minutes, then the day is marked failed."""
CLAIM_ERROR_PAUSE = timedelta(seconds=30)
"""After a server's claim raised (it is still due), look again after this, not in a busy loop."""

log = get_logger(__name__)


class DailyMetrics(Protocol):
    def daily_tip_posted(self) -> None: ...


class DailyTipJob:
    """Claims due days (fresh ones and retries), settles each outcome, counts posted tips."""

    name = "daily-tips"

    def __init__(self, service: DailyTipService, metrics: DailyMetrics) -> None:
        self._service, self._metrics = service, metrics
        self._claim_failed = False
        self._paused = False

    async def claim_due(self, now: datetime, limit: int) -> Sequence[DailyClaim]:
        """Retries first, then fresh days; one server's broken claim is logged and never stops the others.

        While this process may not claim (its owner lock is lost), nothing is claimed and the runner
        looks again shortly.
        """
        self._paused = False
        try:
            claims = await self._service.claim_retries(now, limit)
        except ClaimsPaused:
            self._paused = True
            return []
        self._claim_failed = False
        for guild_id in await self._service.due_guilds(now):
            if len(claims) >= limit:
                break
            try:
                claim = await self._service.claim(guild_id, now)
            except ClaimsPaused:
                self._paused = True
                break
            except Exception:
                log.exception("Claiming the daily tip of guild %s failed; trying again later", guild_id)
                self._claim_failed = True
                continue
            if claim is not None:
                claims.append(claim)
        return claims

    async def release(self, items: Sequence[DailyClaim]) -> None:
        await self._service.release(items)

    async def stale(self, now: datetime) -> Sequence[DailyClaim]:
        """Days whose owner is gone (every in-flight day at start on SQLite), now this process's."""
        try:
            stale = await self._service.unconfirm_in_flight()
        except ClaimsPaused:
            self._paused = True
            return []
        for claim in stale:
            log.warning("Daily tip of guild %s for %s was cut off mid-post", claim.guild_id, claim.local_date)
        return stale

    async def claimed_elsewhere(self) -> bool:
        return await self._service.claimed_elsewhere()

    async def next_due_at(self, now: datetime) -> datetime | None:
        next_at = await self._service.next_due_at()
        if self._claim_failed and next_at is not None:
            return max(next_at, now + CLAIM_ERROR_PAUSE)
        if self._paused and next_at is not None:
            return max(next_at, now + PAUSED_RETRY)
        return next_at

    async def settle(self, item: DailyClaim, verdict: Verdict) -> Settled:
        guild_id, local_date = item.guild_id, item.local_date
        match verdict:
            case Sent(_channel_id, message_id):
                posted = await self._service.mark_posted(guild_id, local_date, message_id)
                return Settled.SENT if posted else Settled.GONE
            case Undeliverable(reason):
                await self._service.disable(guild_id, reason)
                return Settled.UNDELIVERABLE
            case Retry(at, reason):
                retrying = await self._service.retry(guild_id, local_date, at, f"Posting failed: {reason}")
                return Settled.RETRYING if retrying else Settled.GONE
            case Failed(reason):
                failed = await self._service.mark_failed(guild_id, local_date, f"Posting failed: {reason}")
                return Settled.FAILED if failed else Settled.GONE
            case Done():
                raise TypeError("a daily tip is sent, never just done: the sender returned the wrong outcome")
            case HandOver():  # never: a day is claimed only by the process owning the server's shard
                raise ValueError(f"{self.describe(item)} cannot be handed over; it stays claimed")

    def attempt_of(self, item: DailyClaim) -> int:
        return item.attempt

    def describe(self, item: DailyClaim) -> str:
        return f"daily tip of guild {item.guild_id} for {item.local_date}"

    def observe(self, item: DailyClaim, settled: Settled) -> None:
        if settled is Settled.SENT:
            self._metrics.daily_tip_posted()
