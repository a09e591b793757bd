"""CheckinDelivery: the durable delivery state machine, and CheckinJob, its face to the job runner.

    pending --claim_due--> sending --mark_sent--> sent --(snooze)--> pending
                              |------mark_undeliverable--> undeliverable
                              |------retry_later--> pending (at the runner's backoff time)
                              `------give_up--> failed

Claiming flips rows in one UPDATE, so two claimers never get the same row; a row stays "sending"
until the runner settles it, so a crash mid-send leaves it claimed by an owner that is gone, and a
live process takes it over for a resend (`take_over_orphans`, bot/storage/cluster.py) instead of it
being lost or silently sent twice. When to retry and when to give up is the runner's (bot/jobs/policy.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from bot.checkins.models import CheckinState, DueCheckin, MemberSettings
from bot.checkins.quiet_hours import next_allowed_delivery
from bot.checkins.timezones import zone_named
from bot.clock import Clock, utc_now
from bot.jobs.outcomes import Done, Failed, HandOver, Retry, Sent, Settled, Undeliverable, Verdict
from bot.listeners import Listeners
from bot.log import get_logger
from bot.models.checkins import DueRow
from bot.models.shards import ShardSlice
from bot.storage import checkins as checkins_sql
from bot.storage import members as members_sql
from bot.storage import shards as shards_sql
from bot.storage.cluster import PAUSED_RETRY, ClaimsPaused
from bot.storage.db import Database
from bot.storage.notify import CHECKINS, notify
from bot.storage.transactions import transaction

NO_LIMIT = 2_147_483_647
"""`retry_or_fail` takes an attempt limit; the runner decides when to give up, so the SQL never does."""

log = get_logger(__name__)


def planned_delivery(member: MemberSettings, due_at: datetime) -> datetime:
    """When a check-in due at `due_at` may be sent: after the member's quiet hours, in their zone."""
    return next_allowed_delivery(due_at, zone_named(member.timezone), member.quiet_hours)


def due_checkin(row: DueRow) -> DueCheckin:
    """A claimed row as the delivery layer needs it: how late it is against its planned time (the due
    time moved out of quiet hours), and the nonce that lets Discord drop a repeated send of this delivery
    (same for every retry, new after a snooze)."""
    planned_at = next_allowed_delivery(row.due_at, zone_named(row.timezone), row.quiet_hours)
    return DueCheckin(
        checkin_id=row.checkin_id,
        user_id=row.user_id,
        area=row.area,
        intensity=row.intensity,
        logged_at=row.logged_at,
        timezone=row.timezone,
        guild_id=row.guild_id,
        channel_id=row.channel_id,
        dm_channel_id=row.dm_channel_id,
        due_at=row.due_at,
        claimed_at=row.claimed_at,
        late_by=max(row.claimed_at - planned_at, timedelta(0)),
        attempt=row.attempts,
        is_follow_up=row.is_follow_up,
        nonce=f"kb{row.checkin_id}s{row.snoozes}",
        dms_closed_at=row.dms_closed_at,
        handed_over=row.handed_over,
    )


class CheckinDelivery:
    """Claim, settle and retry check-in deliveries; tells listeners when the next due time may change."""

    def __init__(self, db: Database, *, clock: Clock = utc_now) -> None:
        self._db, self._clock = db, clock
        self._sent = SentRecorder(db)
        self.schedule_changes: Listeners[[]] = Listeners("check-in schedule")
        """Told whenever a pending check-in is added, moved or removed (the job runner's wake)."""

    def schedule_changed(self) -> None:
        self.schedule_changes.emit()

    async def claim_due(self, now: datetime, limit: int = 50, shards: ShardSlice | None = None) -> list[DueCheckin]:
        """Move due check-ins to "sending" and return them; each is returned to one caller only.

        With `shards`, a check-in handed to a server on another process's shard is left for that process.
        Raises ClaimsPaused while this process's owner lock is lost (bot/storage/cluster.py).
        """
        async with transaction(self._db):
            claimed = await checkins_sql.claim_due(self._db, now, limit, shards)
            return [due_checkin(row) for row in await checkins_sql.load_due(self._db, claimed)]

    async def release(self, checkin_ids: list[int]) -> None:
        """Hand back claimed check-ins that were not attempted (shutting down mid-batch)."""
        async with transaction(self._db):
            await checkins_sql.release(self._db, checkin_ids)
        self.schedule_changed()

    async def mark_sent(self, checkin_id: int, channel_id: int, message_id: int) -> bool:
        """Record where the check-in landed; False if it was not being sent (settled or deleted).

        Check-ins sent side by side are recorded together (`SentRecorder`): one transaction for all
        that finished while the previous one was being written, each row still its own guarded UPDATE.
        """
        return await self._sent.record(checkin_id, channel_id, message_id, self._clock())

    async def mark_undeliverable(self, checkin_id: int, reason: str) -> bool:
        """Give up on this check-in (e.g. DMs closed and no fallback); the member is told next time."""
        async with transaction(self._db):
            return await checkins_sql.mark_undeliverable(self._db, checkin_id, reason)

    async def retry_later(self, checkin_id: int, at: datetime, *, give_up: bool = False) -> CheckinState | None:
        """Try again at `at` (moved out of quiet hours), or with `give_up` mark the row failed.

        Returns the new state, or None when the row was not being sent.
        """
        async with transaction(self._db):
            checkin = await checkins_sql.get(self._db, checkin_id)
            member = None if checkin is None else await members_sql.get(self._db, checkin.user_id)
            if member is None:
                return None
            state = await checkins_sql.retry_or_fail(
                self._db, checkin_id, deliver_at=planned_delivery(member, at), max_attempts=0 if give_up else NO_LIMIT
            )
        self.schedule_changed()
        return state

    async def hand_over(self, checkin_id: int, guild_id: int) -> bool:
        """Leave the check-in to the process owning `guild_id`'s shard (its server-channel fallback is in
        that process's cache); False when it was no longer being sent."""
        async with transaction(self._db):
            handed = await shards_sql.hand_over(self._db, checkin_id, guild_id)
            await notify(self._db, CHECKINS)  # the owning process wakes now, not at its next poll
        self.schedule_changed()
        return handed

    async def give_up(self, checkin_id: int) -> CheckinState | None:
        """Stop trying: the row becomes failed (and the member is told at their next command)."""
        return await self.retry_later(checkin_id, self._clock(), give_up=True)

    async def stale_sending(self, older_than: timedelta) -> list[DueCheckin]:
        """Check-ins claimed more than `older_than` ago and never settled: a crash mid-send left them."""
        claimed = await checkins_sql.claimed_before(self._db, self._clock() - older_than)
        return [due_checkin(row) for row in await checkins_sql.load_due(self._db, claimed)]

    async def take_over_orphans(self) -> list[DueCheckin]:
        """Check-ins left "sending" by a process that is gone, now claimed by this one for a resend.

        On PostgreSQL: rows whose owner's lock is free (it died), never a live process's. On SQLite:
        every "sending" row, so call it only at start. Raises ClaimsPaused while this process may not claim.
        """
        async with transaction(self._db):
            taken = await checkins_sql.take_over_orphans(self._db)
            return [due_checkin(row) for row in await checkins_sql.load_due(self._db, taken)]

    async def claimed_elsewhere(self) -> bool:
        """Whether another process has check-ins "sending" (it may die mid-send; PostgreSQL only)."""
        return await checkins_sql.claimed_elsewhere(self._db)

    async def next_due_at(self, shards: ShardSlice | None = None) -> datetime | None:
        """When the earliest pending check-in this process may claim may be sent, or None when none is."""
        return await checkins_sql.next_deliver_at(self._db, shards)

    async def remember_dm_channel(self, user_id: int, channel_id: int) -> None:
        """Cache the member's DM channel so later deliveries skip a lookup; ignored without consent."""
        async with transaction(self._db):
            await members_sql.set_dm_channel(self._db, user_id, channel_id)


_Sent = tuple[int, int, int, datetime]
"""checkin_id, channel_id, message_id, sent at."""


class SentRecorder:
    """Records sent check-ins in shared transactions ("group commit"): the first waits for no one, and
    those that finish while it is being written go together in the next one.

    On SQLite a transaction costs more than the UPDATE inside it (BEGIN IMMEDIATE, COMMIT, each a trip to
    aiosqlite's thread), and with several sends in flight the writes queue for the one writer anyway, so
    sharing cuts the bot's CPU per delivery (bench/README.md) without adding a wait. Each row keeps its
    own guarded UPDATE (this process's claim, still "sending"), so each is settled at most once and its
    caller learns whether it was; if the transaction fails, every caller in it gets the error and its row
    stays claimed, as a lone failed write would. Hand-written: it is a dozen lines over our own
    transaction(), and no library we use batches awaited writes this way.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._waiting: list[tuple[_Sent, asyncio.Future[bool]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, checkin_id: int, channel_id: int, message_id: int, at: datetime) -> bool:
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append(((checkin_id, channel_id, message_id, at), future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all(), name="checkins-sent-recorder")
        return await future

    async def _write_all(self) -> None:
        batch: list[tuple[_Sent, asyncio.Future[bool]]] = []
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                try:
                    changed = await self._write(batch)
                except Exception as error:  # handed to each caller, whose runner logs it
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(error)
                    continue
                for (_, future), result in zip(batch, changed, strict=True):
                    if not future.done():  # its caller may have been cancelled meanwhile
                        future.set_result(result)
        finally:  # cancelled (shutdown): nobody may wait forever for an answer
            for _, future in [*batch, *self._waiting]:
                future.cancel()

    async def _write(self, batch: list[tuple[_Sent, asyncio.Future[bool]]]) -> list[bool]:
        async with transaction(self._db):
            return [
                await checkins_sql.mark_sent(self._db, checkin_id, channel_id=channel, message_id=message, at=at)
                for (checkin_id, channel, message, at), _ in batch
            ]


class CheckinMetrics(Protocol):
    """The counters a check-in outcome moves (bot.metrics.Metrics has them)."""

    def checkin_sent(self, late_by: timedelta) -> None: ...
    def checkin_failed(self) -> None: ...
    def checkin_undeliverable(self) -> None: ...


class CheckinJob:
    """Check-in delivery as a bot.jobs Job: the claim query, the settling, the metrics per outcome."""

    name = "checkins"

    def __init__(self, delivery: CheckinDelivery, metrics: CheckinMetrics, shards: ShardSlice | None = None) -> None:
        self._delivery, self._metrics, self._shards = delivery, metrics, shards
        self._paused = False

    async def claim_due(self, now: datetime, limit: int) -> Sequence[DueCheckin]:
        try:
            claimed = await self._delivery.claim_due(now, limit, self._shards)
        except ClaimsPaused:
            self._paused = True  # next_due_at then waits a little instead of spinning on due rows
            return []
        self._paused = False
        return claimed

    async def release(self, items: Sequence[DueCheckin]) -> None:
        await self._delivery.release([due.checkin_id for due in items])

    async def stale(self, now: datetime) -> Sequence[DueCheckin]:
        """Rows whose owner is gone (every "sending" row at start on SQLite), now this process's."""
        try:
            return await self._delivery.take_over_orphans()
        except ClaimsPaused:
            self._paused = True
            return []

    async def claimed_elsewhere(self) -> bool:
        return await self._delivery.claimed_elsewhere()

    async def next_due_at(self, now: datetime) -> datetime | None:
        next_at = await self._delivery.next_due_at(self._shards)
        if self._paused and next_at is not None:
            return max(next_at, now + PAUSED_RETRY)
        return next_at

    async def settle(self, item: DueCheckin, verdict: Verdict) -> Settled:
        checkin_id = item.checkin_id
        match verdict:
            case Sent(channel_id, message_id):
                changed = await self._delivery.mark_sent(checkin_id, channel_id, message_id)
                if changed and item.dm_channel_id is None and channel_id != item.channel_id:
                    await self._delivery.remember_dm_channel(item.user_id, channel_id)  # not the server channel
                return Settled.SENT if changed else Settled.GONE
            case Undeliverable(reason):
                changed = await self._delivery.mark_undeliverable(checkin_id, reason)
                return Settled.UNDELIVERABLE if changed else Settled.GONE
            case Retry(at, _reason):
                return _settled(await self._delivery.retry_later(checkin_id, at))
            case Failed(_reason):
                return _settled(await self._delivery.give_up(checkin_id))
            case Done():
                raise TypeError("a check-in is sent, never just done: the sender returned the wrong outcome")
            case HandOver(guild_id):
                return Settled.RETRYING if await self._delivery.hand_over(checkin_id, guild_id) else Settled.GONE

    def attempt_of(self, item: DueCheckin) -> int:
        return item.attempt

    def describe(self, item: DueCheckin) -> str:
        return f"check-in {item.checkin_id}"

    def observe(self, item: DueCheckin, settled: Settled) -> None:
        if settled is Settled.SENT:
            self._metrics.checkin_sent(item.late_by)
        elif settled is Settled.UNDELIVERABLE:
            self._metrics.checkin_undeliverable()
        elif settled is Settled.FAILED:
            self._metrics.checkin_failed()


def _settled(state: CheckinState | None) -> Settled:
    if state is CheckinState.PENDING:
        return Settled.RETRYING
    return Settled.FAILED if state is CheckinState.FAILED else Settled.GONE
