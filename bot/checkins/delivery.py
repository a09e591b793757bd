"""CheckinDelivery: the durable delivery state machine the scheduler and the Discord side drive.

    pending --claim_due--> sending --mark_sent--> sent --(snooze)--> pending
                              |------mark_undeliverable--> undeliverable
                              `------retry_later--> pending, or failed after the last attempt

Claiming flips rows in one UPDATE, so two claimers never get the same row; a row stays "sending"
until the Discord side settles it, so a crash mid-send shows up in `stale_sending` instead of being
lost or silently sent twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from bot.checkins.models import CheckinState, DueCheckin, MemberSettings
from bot.checkins.quiet_hours import next_allowed_delivery
from bot.checkins.timezones import zone_named
from bot.clock import Clock, utc_now
from bot.log import get_logger
from bot.models.checkins import DueRow
from bot.storage import checkins as checkins_sql
from bot.storage import members as members_sql
from bot.storage.db import Database
from bot.storage.transactions import transaction

MAX_DELIVERY_ATTEMPTS = 8
MAX_RETRY_DELAY = timedelta(hours=1)

log = get_logger(__name__)


def planned_delivery(member: MemberSettings, due_at: datetime) -> datetime:
    """When a check-in due at `due_at` may be sent: after the member's quiet hours, in their zone."""
    return next_allowed_delivery(due_at, zone_named(member.timezone), member.quiet_hours)


def retry_delay(attempt: int) -> timedelta:
    """Back off 1, 2, 4 ... minutes after each failed attempt, up to an hour."""
    return min(timedelta(minutes=2 ** max(attempt - 1, 0)), MAX_RETRY_DELAY)


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
    )


class CheckinDelivery:
    """Claim, settle and retry check-in deliveries; tells listeners when the next due time may change."""

    def __init__(self, db: Database, *, clock: Clock = utc_now, max_attempts: int = MAX_DELIVERY_ATTEMPTS) -> None:
        self._db, self._clock = db, clock
        self.max_attempts = max_attempts
        self._listeners: list[Callable[[], None]] = []

    def on_schedule_change(self, listener: Callable[[], None]) -> None:
        """Call `listener` whenever a pending check-in is added, moved or removed."""
        self._listeners.append(listener)

    def schedule_changed(self) -> None:
        for listener in self._listeners:
            listener()

    async def claim_due(self, now: datetime, limit: int = 50) -> list[DueCheckin]:
        """Move due check-ins to "sending" and return them; each is returned to one caller only."""
        async with transaction(self._db):
            claimed = await checkins_sql.claim_due(self._db, now, limit)
            return [due_checkin(row) for row in await checkins_sql.load_due(self._db, claimed)]

    async def release(self, checkin_ids: list[int]) -> None:
        """Hand back claimed check-ins that were not attempted (shutting down mid-batch)."""
        async with transaction(self._db):
            await checkins_sql.release(self._db, checkin_ids)
        self.schedule_changed()

    async def mark_sent(self, checkin_id: int, channel_id: int, message_id: int) -> bool:
        """Record where the check-in landed; False if it was not being sent (settled or deleted)."""
        async with transaction(self._db):
            return await checkins_sql.mark_sent(
                self._db, checkin_id, channel_id=channel_id, message_id=message_id, at=self._clock()
            )

    async def mark_undeliverable(self, checkin_id: int, reason: str) -> bool:
        """Give up on this check-in (e.g. DMs closed and no fallback); the member is told next time."""
        async with transaction(self._db):
            return await checkins_sql.mark_undeliverable(self._db, checkin_id, reason)

    async def retry_later(self, checkin_id: int, at: datetime) -> CheckinState | None:
        """Try again at `at` (moved out of quiet hours); after the last attempt the row becomes failed.

        Returns the new state, or None when the row was not being sent.
        """
        async with transaction(self._db):
            checkin = await checkins_sql.get(self._db, checkin_id)
            member = None if checkin is None else await members_sql.get(self._db, checkin.user_id)
            if member is None:
                return None
            state = await checkins_sql.retry_or_fail(
                self._db, checkin_id, deliver_at=planned_delivery(member, at), max_attempts=self.max_attempts
            )
        if state is CheckinState.FAILED:
            log.warning("Gave up delivering check-in %s after %s attempts", checkin_id, self.max_attempts)
        self.schedule_changed()
        return state

    async def stale_sending(self, older_than: timedelta) -> list[DueCheckin]:
        """Check-ins claimed more than `older_than` ago and never settled: a crash mid-send left them."""
        claimed = await checkins_sql.claimed_before(self._db, self._clock() - older_than)
        return [due_checkin(row) for row in await checkins_sql.load_due(self._db, claimed)]

    async def next_due_at(self) -> datetime | None:
        """When the earliest pending check-in may be sent, or None when nothing is pending."""
        return await checkins_sql.next_deliver_at(self._db)

    async def remember_dm_channel(self, user_id: int, channel_id: int) -> None:
        """Cache the member's DM channel so later deliveries skip a lookup; ignored without consent."""
        async with transaction(self._db):
            await members_sql.set_dm_channel(self._db, user_id, channel_id)
