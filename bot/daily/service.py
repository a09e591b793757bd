"""DailyTipService: set, show and stop a server's daily tip, and claim each day's tip exactly once.

A day is claimed by inserting its (guild_id, local_date) row before anything is posted, in the same
transaction that picks the tip and moves the schedule to the next day. Whatever happens after that
(a crash, a restart, a send that Discord accepted but never confirmed) the day is never claimed again,
so a server never gets two daily tips for one date: at most once, with the outcome recorded.

Missed runs: a run found due later the same local day (by the time it was due) is still posted;
a run whose day is over is skipped, and the next one is planned from today.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta

from bot.checkins.quiet_hours import parse_clock_time
from bot.checkins.timezones import resolve_timezone, zone_named
from bot.clock import Clock, utc_now
from bot.daily.cycle import pick_next
from bot.daily.models import DailyClaim, DailySchedule, DailyTipStatus, ScheduleState, daily_nonce
from bot.daily.schedule import Run, local_date_at, next_run, run_on
from bot.guilds.audit import AuditTrail
from bot.guilds.models import AuditAction
from bot.guilds.tips import library_tips
from bot.library.models import Tip
from bot.listeners import Listeners
from bot.log import get_logger
from bot.models.shards import ShardSlice
from bot.storage import daily_tips as daily_sql
from bot.storage import guild_tips as guild_tips_sql
from bot.storage import guilds as guilds_sql
from bot.storage import jobs as jobs_sql
from bot.storage.db import Database
from bot.storage.notify import DAILY_TIPS, notify
from bot.storage.transactions import transaction

DEFAULT_TIMEZONE = "UTC"
REASON_MAX_LENGTH = 200
UNCONFIRMED_PROBLEM = "The bot stopped while posting; the tip may or may not have been posted."
RESEND_DAYS_BACK = timedelta(days=2)
"""How far back an unconfirmed day whose resend was cut off is taken up again (older days are over)."""

BuiltinTips = Callable[[], Sequence[Tip]]

log = get_logger(__name__)


class DailyTipService:
    """The daily tip of every server: moderators set it, the scheduler claims it, Discord posts it.

    `builtin_tips` returns the Library's tips (e.g. `lambda: library.tips`); a server's own tips are
    read here. Both form the server's cycle, built-in first so a built-in id wins a clash.
    """

    def __init__(
        self,
        db: Database,
        *,
        builtin_tips: BuiltinTips,
        audit: AuditTrail,
        clock: Clock = utc_now,
        rng: random.Random | None = None,
        reader: Database | None = None,
        shards: ShardSlice | None = None,
    ) -> None:
        """`reader` serves `show`; `db` does the writes and the claims.

        It defaults to `db`, whose reads outside a transaction already use its reader engine.

        `shards`: the servers whose tips this process posts (None: all). The channel is in the cache only
        of the process that owns the server's shard, so only that process may claim the server's days.
        """
        self._db, self._builtin_tips, self._audit, self._clock = db, builtin_tips, audit, clock
        self._read = reader if reader is not None else db
        self._shards = shards
        self._rng = rng or random.Random()  # noqa: S311 - the order of tips is not a secret
        self.schedule_changes: Listeners[[]] = Listeners("daily-tip schedule")
        """Told whenever a schedule is set, stopped or turned off (the job runner's wake)."""

    # Moderator commands

    async def set(
        self, guild_id: int, actor_id: int, *, channel_id: int, post_time: str, timezone: str | None = None
    ) -> DailyTipStatus:
        """Post one tip a day at `post_time` (HH:MM) local time; the zone defaults to the previous one, or UTC.

        The first post is the next time the clock shows `post_time`, skipping today if today's tip
        already went out (changing the time never gives a second tip the same day).
        """
        wanted_time = parse_clock_time(post_time)
        now = self._clock()
        async with transaction(self._db):
            previous = await daily_sql.get_schedule(self._db, guild_id)
            zone_name = self._zone_name(timezone, previous)
            run = await self._first_free_run(guild_id, wanted_time, zone_name, now)
            await guilds_sql.ensure(self._db, guild_id, now)
            schedule = await daily_sql.upsert_schedule(
                self._db,
                guild_id,
                channel_id=channel_id,
                post_time=wanted_time,
                timezone=zone_name,
                run=run,
                set_by=actor_id,
                at=now,
            )
            detail = f"Daily tip set for {wanted_time:%H:%M} {zone_name} in <#{channel_id}>"
            entry = await self._audit.write(guild_id, actor_id, AuditAction.SET_DAILY_TIP, detail)
            last_post = await daily_sql.last_post(self._db, guild_id)
            await notify(self._db, DAILY_TIPS)
        self._audit.publish(entry)
        self.schedule_changes.emit()
        return DailyTipStatus(schedule, last_post)

    async def show(self, guild_id: int) -> DailyTipStatus | None:
        """The schedule (active, or turned off with the reason) and the last day's outcome; None if unset."""
        schedule = await daily_sql.get_schedule(self._read, guild_id)
        if schedule is None:
            return None
        return DailyTipStatus(schedule, await daily_sql.last_post(self._read, guild_id))

    async def stop(self, guild_id: int, actor_id: int) -> bool:
        """Remove the daily tip; False when none was set. The cycle is kept for a later restart."""
        async with transaction(self._db):
            if not await daily_sql.delete_schedule(self._db, guild_id):
                return False
            entry = await self._audit.write(guild_id, actor_id, AuditAction.STOP_DAILY_TIP, "Daily tip stopped")
            await notify(self._db, DAILY_TIPS)
        self._audit.publish(entry)
        self.schedule_changes.emit()
        return True

    async def disable(self, guild_id: int, reason: str) -> bool:
        """Turn the schedule off because it cannot work (channel deleted, permission lost), saying why.

        `reason` is the bot's own wording, shown in /daily-tip show and the audit trail. A claimed day
        is marked failed with the same reason. False when there was no active schedule.
        """
        reason = reason.strip()[:REASON_MAX_LENGTH] or "No reason given."
        async with transaction(self._db):
            await daily_sql.fail_open_claims(self._db, guild_id, reason)
            if not await daily_sql.disable_schedule(self._db, guild_id, reason, self._clock()):
                return False
            detail = f"Daily tip turned off: {reason}"
            entry = await self._audit.write(guild_id, None, AuditAction.DAILY_TIP_TURNED_OFF, detail)
            await notify(self._db, DAILY_TIPS)
        log.info("Daily tip of guild %s turned off: %s", guild_id, reason)
        self._audit.publish(entry)
        self.schedule_changes.emit()
        return True

    # The scheduler's side

    async def due_guilds(self, now: datetime) -> list[int]:
        return await daily_sql.due_guild_ids(self._db, now, self._shards)

    async def next_run_at(self) -> datetime | None:
        """When the earliest active schedule is due, or None when no server has one."""
        return await daily_sql.next_run_at(self._db, self._shards)

    async def claim(self, guild_id: int, now: datetime) -> DailyClaim | None:
        """Take today's tip for the server if it is due; None when not due, skipped, or already taken.

        Each call that returns a claim has moved the schedule to the next day, so calling again (in
        this process or after a restart) never returns a second claim for the same date.
        """
        async with transaction(self._db):
            schedule = await daily_sql.lock_schedule(self._db, guild_id)  # one claim per server at a time
            run = _due_run(schedule, now)
            if schedule is None or run is None or not await self._is_present(guild_id):
                return None
            run = await self._run_to_post(schedule, run, now)
            if run is None:
                return None
            claim = await self._take_day(schedule, run, now)
            day_after = run_on(run.local_date + timedelta(days=1), schedule.post_time, zone_named(schedule.timezone))
            await daily_sql.set_next_run(self._db, guild_id, day_after)
        return claim

    async def mark_posted(self, guild_id: int, local_date: date, message_id: int) -> bool:
        """Record the message Discord created; False when that day was not claimed (or already settled)."""
        async with transaction(self._db):
            return await daily_sql.mark_posted(self._db, guild_id, local_date, message_id=message_id, at=self._clock())

    async def mark_failed(self, guild_id: int, local_date: date, problem: str) -> bool:
        """Posting was tried and did not work; the day stays taken, so it is not posted later."""
        async with transaction(self._db):
            return await daily_sql.fail_claim(self._db, guild_id, local_date, problem[:REASON_MAX_LENGTH])

    async def claim_retries(self, now: datetime, limit: int) -> list[DailyClaim]:
        """Days whose retry time has come, claimed for one more attempt (see bot/jobs/runner.py)."""
        async with transaction(self._db):
            days = await jobs_sql.claim_daily_retries(self._db, now, limit, self._shards)
            return [claim for day in days if (claim := await self._as_claim(day, now)) is not None]

    async def retry(self, guild_id: int, local_date: date, at: datetime, problem: str) -> bool:
        """Try the day again at `at` (claimed or unconfirmed); False when it was settled meanwhile."""
        async with transaction(self._db):
            return await jobs_sql.retry_daily_post(self._db, guild_id, local_date, at, problem[:REASON_MAX_LENGTH])

    async def release(self, claims: Sequence[DailyClaim]) -> None:
        """Hand back claims never attempted (stopping mid-batch): they are due again at once."""
        async with transaction(self._db):
            await jobs_sql.release_daily_posts(self._db, [(c.guild_id, c.local_date) for c in claims], self._clock())

    async def unconfirm_in_flight(self) -> list[DailyClaim]:
        """Days a stopped process left mid-post: now "unconfirmed", returned once for a resend.

        The resend records the tip if it is in the channel, or posts it once with the same nonce if it is
        missing and still that local day. mark_posted accepts an unconfirmed day, so that resend, or a
        slow send finishing late, is recorded; a day that is over stays unconfirmed.
        """
        now = self._clock()
        async with transaction(self._db):
            recent = (now - RESEND_DAYS_BACK).date()  # a local day can still be running up to ~a day behind UTC
            days = await jobs_sql.unconfirm_in_flight(self._db, UNCONFIRMED_PROBLEM, self._shards, since=recent)
            return [claim for day in days if (claim := await self._as_claim(day, now)) is not None]

    async def claimed_elsewhere(self) -> bool:
        """Whether another process has a day's post in flight (it may die mid-post; PostgreSQL only)."""
        return await jobs_sql.daily_claimed_elsewhere(self._db, self._shards)

    async def next_due_at(self) -> datetime | None:
        """The earliest of the next scheduled day and the next retry; None when neither exists."""
        times = [
            await daily_sql.next_run_at(self._db, self._shards),
            await jobs_sql.next_daily_retry_at(self._db, self._shards),
        ]
        return min((moment for moment in times if moment is not None), default=None)

    # Helpers

    @staticmethod
    def _zone_name(typed: str | None, previous: DailySchedule | None) -> str:
        if typed is not None and typed.strip():
            return resolve_timezone(typed)
        return previous.timezone if previous is not None else DEFAULT_TIMEZONE

    async def _first_free_run(self, guild_id: int, post_time: time, zone_name: str, now: datetime) -> Run:
        zone = zone_named(zone_name)
        run = next_run(post_time, zone, now)
        if await daily_sql.has_post(self._db, guild_id, run.local_date):
            run = run_on(run.local_date + timedelta(days=1), post_time, zone)
        return run

    async def _as_claim(self, day: jobs_sql.ClaimedDay, now: datetime) -> DailyClaim | None:
        """The claim for a stored day, its tip looked up again; a day whose tip was removed is failed."""
        post = day.post
        server_tips = library_tips(await guild_tips_sql.all_for(self._db, post.guild_id))
        tip = next((tip for tip in (*self._builtin_tips(), *server_tips) if tip.id == post.tip_id), None)
        if tip is None:
            await daily_sql.fail_claim(
                self._db, post.guild_id, post.local_date, "The tip was removed before it was posted."
            )
            return None
        schedule = await daily_sql.get_schedule(self._db, post.guild_id)
        may_post = (
            schedule is not None
            and schedule.state is ScheduleState.ACTIVE
            and local_date_at(now, zone_named(schedule.timezone)) == post.local_date
        )
        scheduled_at = (
            run_on(post.local_date, schedule.post_time, zone_named(schedule.timezone)).at
            if schedule
            else post.claimed_at
        )
        return DailyClaim(
            post.guild_id,
            post.channel_id,
            post.local_date,
            tip,
            post.nonce,
            scheduled_at,
            claimed_at=post.claimed_at,
            attempt=day.attempt,
            may_post=may_post,
        )

    async def _is_present(self, guild_id: int) -> bool:
        config = await guilds_sql.get(self._db, guild_id)
        return config is not None and config.left_at is None

    async def _run_to_post(self, schedule: DailySchedule, due: Run, now: datetime) -> Run | None:
        """`due` while its local day lasts; after that, today's run if its time has come, else None
        (and today's run is planned). "Its day" is the local date of the moment it was due."""
        zone = zone_named(schedule.timezone)
        today = local_date_at(now, zone)
        if today <= local_date_at(due.at, zone):
            return due
        log.info("Guild %s missed its daily tip of %s while the bot was away", schedule.guild_id, due.local_date)
        todays = run_on(today, schedule.post_time, zone)
        if todays.at <= now:
            return todays
        await daily_sql.set_next_run(self._db, schedule.guild_id, todays)
        return None

    async def _take_day(self, schedule: DailySchedule, run: Run, now: datetime) -> DailyClaim | None:
        """Pick the next tip of the cycle and claim the day with it; None if the day is already taken."""
        guild_id = schedule.guild_id
        if await daily_sql.has_post(self._db, guild_id, run.local_date):
            return None
        server_tips = library_tips(await guild_tips_sql.all_for(self._db, guild_id))
        used = await daily_sql.used_tip_ids(self._db, guild_id)
        pick = pick_next([*self._builtin_tips(), *server_tips], set(used), used[-1] if used else None, self._rng)
        if pick is None:
            log.warning("Guild %s has a daily tip but there are no tips at all; nothing to post", guild_id)
            return None
        if pick.starts_new_cycle:
            await daily_sql.start_new_cycle(self._db, guild_id)
        await daily_sql.mark_used(self._db, guild_id, pick.tip.id, now)
        nonce = daily_nonce(guild_id, run.local_date)
        await daily_sql.insert_claim(
            self._db, guild_id, run.local_date, channel_id=schedule.channel_id, tip_id=pick.tip.id, nonce=nonce, at=now
        )
        return DailyClaim(guild_id, schedule.channel_id, run.local_date, pick.tip, nonce, run.at, claimed_at=now)


def _due_run(schedule: DailySchedule | None, now: datetime) -> Run | None:
    """The schedule's planned run if it is active and due by `now`."""
    if schedule is None or schedule.state is not ScheduleState.ACTIVE:
        return None
    if schedule.next_local_date is None or schedule.next_run_at is None or schedule.next_run_at > now:
        return None
    return Run(schedule.next_local_date, schedule.next_run_at)
