"""CheckinService: logging massages, asking members how they feel afterwards, and keeping that safe.

Every rule a member meets lives here, not in the cog: consent before storage, limits, and ownership
(a member can only see, answer or change their own check-ins, and a stranger learns nothing, not even
that one exists). The delivery state machine is `delivery.CheckinDelivery`, reachable as
`service.delivery`. Writes run in one transaction each, so a crash leaves a check-in either fully
scheduled or not at all; one that changes what is pending also NOTIFYs in that transaction, so the
runners of other processes look again once it commits (bot/storage/notify.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from bot.checkins.delivery import CheckinDelivery, planned_delivery
from bot.checkins.durations import format_duration, parse_duration
from bot.checkins.errors import (
    BadQuietHours,
    CheckinClosed,
    CheckinNotFound,
    ConsentPromptExpired,
    ConsentRequired,
    DelayOutOfRange,
    SnoozeLimitReached,
    TooManyPending,
    WarningSignsReported,
)
from bot.checkins.models import (
    Answer,
    Area,
    Checkin,
    CheckinState,
    CheckinSummary,
    Guidance,
    History,
    Intensity,
    LoggedSession,
    MemberSettings,
    SessionRecord,
    Soreness,
)
from bot.checkins.quiet_hours import QuietHours
from bot.checkins.session_input import clean_note, parse_choice
from bot.checkins.timezones import resolve_timezone
from bot.clock import Clock, utc_now
from bot.errors import BadInput
from bot.log import get_logger
from bot.storage import answers as answers_sql
from bot.storage import checkins as checkins_sql
from bot.storage import members as members_sql
from bot.storage import pending_logs as pending_sql
from bot.storage import sessions as sessions_sql
from bot.storage.db import Database, as_db_time
from bot.storage.housekeeping import delete_in_batches
from bot.storage.notify import CHECKINS, notify
from bot.storage.pending_logs import PendingLog
from bot.storage.transactions import read_snapshot, transaction

DEFAULT_DELAY = timedelta(hours=24)
MAX_DELAY = timedelta(days=14)
MAX_OPEN_PER_MEMBER = 20
SNOOZE_DELAY = timedelta(hours=3)
MAX_SNOOZES = 3
FOLLOW_UP_DELAY = timedelta(hours=24)
HISTORY_LENGTH = 10
PENDING_LOG_LIFETIME = timedelta(hours=1)
"""How long a first session waits for "I agree" before it is forgotten. The button itself expires after
15 minutes (bot/ui/confirm.py, PROMPT_LIFETIME; a test keeps this at least that long), so a session held
longer could never be saved: it is health data kept for nothing. The consent prompt promises "at most two
hours": held rows are purged on every new hold and by an hourly job (`purge_held`), so 1 h plus at most
one hour between purges keeps that promise."""
MAX_HELD_PER_MEMBER = 5
"""Sessions waiting for consent per member: older prompts expire, so repeated asking cannot fill the disk."""

log = get_logger(__name__)


def guidance_for(soreness: Soreness, *, is_follow_up: bool) -> Guidance:
    """Moderate soreness that is still there a day later is treated like severe soreness."""
    if soreness >= Soreness.SEVERE or (soreness >= Soreness.MODERATE and is_follow_up):
        return Guidance.SEVERE
    return Guidance.MODERATE if soreness == Soreness.MODERATE else Guidance.REASSURE


SQLITE_MAX_ID = 2**63 - 1


def _check_id_range(checkin_id: int) -> None:
    """An id SQLite cannot even hold (a crafted request or button) is simply not found."""
    if not 1 <= checkin_id <= SQLITE_MAX_ID:
        raise CheckinNotFound(checkin_id)


class CheckinService:
    """Massage log and check-ins, as members see them; `delivery` is the side the scheduler drives."""

    def __init__(
        self,
        db: Database,
        *,
        clock: Clock = utc_now,
        min_delay: timedelta = timedelta(seconds=60),
        retention_days: int = 365,
        reader: Database | None = None,
    ) -> None:
        """`reader` serves the read-only queries; `db` does the writes.

        It defaults to `db`, whose reads outside a transaction already use its reader engine.
        """
        self._db, self._clock = db, clock
        self._read = reader if reader is not None else db
        self.min_delay, self.retention = min_delay, timedelta(days=retention_days)
        self.delivery = CheckinDelivery(db, clock=clock)

    # Consent and settings

    async def give_consent(self, user_id: int) -> bool:
        """Record that the member agreed to be remembered; True the first time."""
        async with transaction(self._db):
            return await members_sql.add_consent(self._db, user_id, self._clock())

    async def settings(self, user_id: int) -> MemberSettings | None:
        """The member's settings, or None before they consented."""
        return await members_sql.get(self._read, user_id)

    async def set_timezone(self, user_id: int, name: str) -> str:
        """Store the zone (canonical spelling, returned) and re-plan pending check-ins for it."""
        zone_name = resolve_timezone(name)
        async with transaction(self._db):
            member = await self._consented_member(user_id)
            await members_sql.set_timezone(self._db, user_id, zone_name)
            await self._replan_pending(replace(member, timezone=zone_name))
            await notify(self._db, CHECKINS)
        self.delivery.schedule_changed()
        return zone_name

    async def set_quiet_hours(self, user_id: int, start: str | None, end: str | None) -> QuietHours | None:
        """Set quiet hours from local HH:MM times, or clear them when both are empty."""
        if not start and not end:
            quiet = None
        elif not start or not end:
            raise BadQuietHours("Give both a start and an end time, or neither to turn quiet hours off.")
        else:
            quiet = QuietHours.parse(start, end)
        async with transaction(self._db):
            member = await self._consented_member(user_id)
            await members_sql.set_quiet_hours(self._db, user_id, quiet)
            await self._replan_pending(replace(member, quiet_hours=quiet))
            await notify(self._db, CHECKINS)
        self.delivery.schedule_changed()
        return quiet

    # Sessions

    async def log_session(
        self,
        user_id: int,
        area: Area | str,
        intensity: Intensity | str,
        *,
        check_in_after: timedelta | str | None = None,
        note: str | None = None,
        guild_id: int | None = None,
        channel_id: int | None = None,
    ) -> LoggedSession:
        """Store a session and schedule its check-in; input is checked before consent is asked for."""
        request = PendingLog(  # not stored (id 0) unless consent must be asked for first
            id=0,
            user_id=user_id,
            area=parse_choice(Area, area, what="body area"),
            intensity=parse_choice(Intensity, intensity, what="intensity"),
            delay=self._checked_delay(check_in_after),
            note=clean_note(note),
            guild_id=guild_id,
            channel_id=channel_id,
            session_id=None,
        )
        async with transaction(self._db):
            member = await members_sql.lock(self._db, user_id)  # the open-limit count below must not race
            if member is None:  # held, not logged: the prompt's "I agree" logs it (agree_and_log)
                fields = _request_fields(request)
                await pending_sql.delete_older_than(self._db, self._clock() - PENDING_LOG_LIFETIME)
                held = await pending_sql.insert(self._db, **fields, delay=request.delay, created_at=self._clock())
                await pending_sql.keep_newest(self._db, user_id, MAX_HELD_PER_MEMBER)
            else:
                logged = await self._store_session(member, request)
                await notify(self._db, CHECKINS)
        if member is None:
            raise ConsentRequired(held)
        self.delivery.schedule_changed()
        return logged

    async def agree_and_log(self, pending_id: int, user_id: int) -> LoggedSession:
        """The member's "I agree" on the consent prompt: record consent and log the waiting session.

        Idempotent: clicks are serialised by the transaction, the first one logs and marks the pending
        row (compare-and-set), and every later click finds the mark and gets the same session back.
        """
        async with transaction(self._db):
            request = await self._pending(pending_id, user_id)
            if request is None:
                raise ConsentPromptExpired()
            if request.session_id is not None:
                return await self._logged(request.session_id)
            await members_sql.add_consent(self._db, user_id, self._clock())
            logged = await self._store_session(await self._consented_member(user_id), request)
            await pending_sql.mark_logged(self._db, pending_id, logged.session.id)
            await notify(self._db, CHECKINS)
        self.delivery.schedule_changed()
        return logged

    async def decline(self, pending_id: int, user_id: int) -> bool:
        """The member said no: erase the session they were about to log (a logged one stays).

        True when a held session was erased now; False when there was none (already erased, expired, or
        already logged by an earlier "I agree"), so the reply can say which.
        """
        async with transaction(self._db):
            request = await self._pending(pending_id, user_id)
            if request is None or request.session_id is not None:
                return False
            return await pending_sql.delete(self._db, pending_id, user_id) == 1

    async def purge_held(self) -> int:
        """Erase first sessions that waited for "I agree" longer than PENDING_LOG_LIFETIME, in batches."""
        cutoff = self._clock() - PENDING_LOG_LIFETIME
        return await delete_in_batches(self._db, lambda db, limit: pending_sql.delete_older_than(db, cutoff, limit))

    async def _pending(self, pending_id: int, user_id: int) -> PendingLog | None:
        if not 1 <= pending_id <= SQLITE_MAX_ID:  # a forged button: no such row
            return None
        return await pending_sql.get(self._db, pending_id, user_id)

    async def _store_session(self, member: MemberSettings, request: PendingLog) -> LoggedSession:
        """Insert the session and its check-in; call inside a transaction."""
        now = self._clock()
        await self._check_open_limit(member.user_id)
        session = await sessions_sql.insert(self._db, **_request_fields(request), logged_at=now)
        checkin_id = await self._insert_checkin(member, session.id, now + request.delay)
        return LoggedSession(session, await checkins_sql.summary(self._db, checkin_id))

    async def _logged(self, session_id: int) -> LoggedSession:
        session = await sessions_sql.get(self._db, session_id)
        checkin_id = await pending_sql.first_checkin_of(self._db, session_id)
        if session is None or checkin_id is None:
            raise ConsentPromptExpired()
        return LoggedSession(session, await checkins_sql.summary(self._db, checkin_id))

    async def history(self, user_id: int, limit: int = HISTORY_LENGTH) -> History:
        latest = await sessions_sql.latest(self._read, user_id, limit)
        answers = await answers_sql.for_sessions(self._read, [session.id for session in latest])
        records = tuple(SessionRecord(session, tuple(answers.get(session.id, ()))) for session in latest)
        points = sorted(
            (answer.answered_at, answer.soreness)
            for record in records
            for answer in record.answers
            if answer.answered_at is not None and answer.soreness is not None
        )
        return History(records, tuple(points))

    async def upcoming(self, user_id: int) -> list[CheckinSummary]:
        """The member's own pending check-ins, soonest first."""
        return await checkins_sql.pending_summaries(self._read, user_id)

    async def cancel(self, user_id: int, checkin_id: int) -> CheckinSummary:
        _check_id_range(checkin_id)
        async with transaction(self._db):
            if not await checkins_sql.cancel(self._db, checkin_id, user_id):
                raise CheckinNotFound(checkin_id)
            summary = await checkins_sql.summary(self._db, checkin_id)
            await notify(self._db, CHECKINS)
        self.delivery.schedule_changed()
        return summary

    async def undelivered_notices(self, user_id: int) -> list[CheckinSummary]:
        """Check-ins that could not reach the member and they were not yet told about; reads only.

        Runs after every command, so it never writes: the caller tells the member, then calls
        `mark_notified` with what was actually shown, so a notice lost on the way is offered again.
        """
        return await checkins_sql.untold_notices(self._read, user_id)

    async def mark_notified(self, user_id: int, checkin_ids: Sequence[int]) -> None:
        """Record that the member was told about these check-ins, so they are not told again.

        Only the member's own undelivered check-ins are marked: another member's ids are ignored, and
        marking twice changes nothing. Nothing is written when there is nothing to mark.
        """
        if not checkin_ids:
            return
        async with transaction(self._db):
            await checkins_sql.mark_notified(self._db, user_id, checkin_ids, self._clock())

    # Answers to a sent check-in

    async def record_soreness(self, checkin_id: int, user_id: int, level: int) -> Answer:
        """Store (or replace) the member's answer and say which guidance fits it."""
        if level not in set(Soreness):
            raise BadInput("Soreness is a level from 0 (none) to 3 (severe).")
        soreness = Soreness(level)
        async with transaction(self._db):
            checkin = await self._sent_checkin(checkin_id, user_id)
            await answers_sql.record_soreness(self._db, checkin_id, user_id, soreness, self._clock())
            resend_dropped = await checkins_sql.drop_resend(self._db, checkin_id)
            if resend_dropped:
                await notify(self._db, CHECKINS)
        if resend_dropped:
            self.delivery.schedule_changed()
        guidance = guidance_for(soreness, is_follow_up=checkin.is_follow_up)
        return Answer(checkin_id, soreness, guidance, checkin.is_follow_up)

    async def record_warning_signs(self, checkin_id: int, user_id: int) -> Answer:
        """Note that the member reported warning signs; the UI then shows the urgent advice.

        A snoozed resend of this check-in is dropped: they need medical help, not another "how sore?".
        """
        async with transaction(self._db):
            checkin = await self._sent_checkin(checkin_id, user_id)
            await answers_sql.record_warning_signs(self._db, checkin_id, user_id, self._clock())
            resend_dropped = await checkins_sql.drop_resend(self._db, checkin_id)
            if resend_dropped:
                await notify(self._db, CHECKINS)
        if resend_dropped:
            self.delivery.schedule_changed()
        return Answer(checkin_id, None, Guidance.WARNING_SIGNS, checkin.is_follow_up)

    async def snooze(self, checkin_id: int, user_id: int) -> CheckinSummary:
        """Ask again in three hours; a second click while already snoozed changes nothing.

        Refused once the member reported warning signs: they need medical help, not a later check-in.
        """
        async with transaction(self._db):
            checkin = await self._sent_checkin(checkin_id, user_id)
            await self._check_no_warning_signs(checkin_id)
            if checkin.state is not CheckinState.PENDING:
                await self._check_snoozable(checkin)
                member = await self._consented_member(user_id)
                due_at = self._clock() + SNOOZE_DELAY
                await checkins_sql.snooze(self._db, checkin_id, due_at, planned_delivery(member, due_at))
                await notify(self._db, CHECKINS)
            summary = await checkins_sql.summary(self._db, checkin_id)
        self.delivery.schedule_changed()
        return summary

    async def schedule_follow_up(self, checkin_id: int, user_id: int) -> CheckinSummary:
        """One more check-in a day later; asking again returns the same follow-up.

        Refused once the member reported warning signs: they need medical help, not a later check-in.
        """
        async with transaction(self._db):
            member = await self._consented_member(user_id)  # first: locks out a concurrent request
            parent = await self._sent_checkin(checkin_id, user_id)
            await self._check_no_warning_signs(checkin_id)
            if parent.is_follow_up:
                raise CheckinClosed("This is already a follow-up, so I won't schedule another one.")
            existing = await checkins_sql.follow_up(self._db, checkin_id)
            if existing is not None:
                return await checkins_sql.summary(self._db, existing.id)
            await self._check_open_limit(user_id)
            due_at = self._clock() + FOLLOW_UP_DELAY
            follow_up_id = await self._insert_checkin(member, parent.session_id, due_at, follow_up_of=checkin_id)
            summary = await checkins_sql.summary(self._db, follow_up_id)
            await notify(self._db, CHECKINS)
        self.delivery.schedule_changed()
        return summary

    # The member's data

    async def export(self, user_id: int) -> dict[str, Any]:
        """Everything stored about the member, as JSON-ready values (times are UTC ISO text)."""
        async with read_snapshot(self._read) as db:
            return {
                "user_id": user_id,
                "exported_at": as_db_time(self._clock()),
                "member": await members_sql.export(db, user_id),
                "sessions": await sessions_sql.export(db, user_id),
                "checkins": await checkins_sql.export(db, user_id),
                "answers": await answers_sql.export(db, user_id),
                "sessions_awaiting_consent": await pending_sql.export(db, user_id),
            }

    async def delete_member_data(self, user_id: int) -> bool:
        """Remove every row about the member, consent included, which also cancels pending check-ins."""
        async with transaction(self._db):
            deleted = [
                await answers_sql.delete_for_member(self._db, user_id),
                await checkins_sql.delete_for_member(self._db, user_id),
                await sessions_sql.delete_for_member(self._db, user_id),
                await members_sql.delete(self._db, user_id),
                await pending_sql.delete_for_member(self._db, user_id),
            ]
            await notify(self._db, CHECKINS)
        self.delivery.schedule_changed()
        return any(deleted)

    async def purge_expired(self) -> int:
        """Delete sessions (with their check-ins and answers) older than the retention period, in batches
        of a transaction each, so a big purge never holds the writer for long."""
        cutoff = self._clock() - self.retention
        purged = await delete_in_batches(self._db, lambda db, limit: sessions_sql.delete_expired(db, cutoff, limit))
        await self.purge_held()
        if purged:
            log.info("Purged %s sessions older than %s days", purged, self.retention.days)
        return purged

    # Helpers

    def _checked_delay(self, check_in_after: timedelta | str | None) -> timedelta:
        if check_in_after is None:
            return DEFAULT_DELAY
        delay = parse_duration(check_in_after) if isinstance(check_in_after, str) else check_in_after
        if not self.min_delay <= delay <= MAX_DELAY:
            raise DelayOutOfRange(format_duration(self.min_delay), format_duration(MAX_DELAY))
        return delay

    async def _consented_member(self, user_id: int) -> MemberSettings:
        """The member's settings, their row locked until the transaction ends: a member's read-then-write
        steps (the open-limit count, a follow-up) run one at a time on PostgreSQL as on SQLite."""
        member = await members_sql.lock(self._db, user_id)
        if member is None:
            raise ConsentRequired()
        return member

    async def _check_open_limit(self, user_id: int) -> None:
        if await checkins_sql.count_open(self._db, user_id) >= MAX_OPEN_PER_MEMBER:
            raise TooManyPending(MAX_OPEN_PER_MEMBER)

    async def _own_checkin(self, checkin_id: int, user_id: int) -> Checkin:
        """The check-in if it is the member's; anyone else's looks exactly like a missing one."""
        _check_id_range(checkin_id)
        checkin = await checkins_sql.get(self._db, checkin_id)
        if checkin is None or checkin.user_id != user_id:
            raise CheckinNotFound(checkin_id)
        return checkin

    async def _sent_checkin(self, checkin_id: int, user_id: int) -> Checkin:
        checkin = await self._own_checkin(checkin_id, user_id)
        if checkin.sent_at is None or checkin.state is CheckinState.CANCELLED:
            raise CheckinClosed(f"Check-in #{checkin_id} hasn't been sent to you, so there is nothing to answer.")
        return checkin

    async def _check_no_warning_signs(self, checkin_id: int) -> None:
        if await answers_sql.has_warning_signs(self._db, checkin_id):
            raise WarningSignsReported()

    async def _check_snoozable(self, checkin: Checkin) -> None:
        if checkin.state is CheckinState.SENDING:
            raise CheckinClosed("I'm sending you this check-in again right now.")
        if checkin.state is not CheckinState.SENT:
            raise CheckinClosed("This check-in can't be put off any more, but you can still answer it.")
        if await answers_sql.has_soreness(self._db, checkin.id):
            raise CheckinClosed("You already answered this check-in, so there is nothing to put off.")
        if checkin.snoozes >= MAX_SNOOZES:
            raise SnoozeLimitReached(MAX_SNOOZES)

    async def _insert_checkin(
        self, member: MemberSettings, session_id: int, due_at: datetime, *, follow_up_of: int | None = None
    ) -> int:
        checkin_id = await checkins_sql.insert(
            self._db,
            user_id=member.user_id,
            session_id=session_id,
            due_at=due_at,
            deliver_at=planned_delivery(member, due_at),
            created_at=self._clock(),
            follow_up_of=follow_up_of,
        )
        if checkin_id is None:
            raise CheckinClosed("That follow-up is already scheduled.")
        return checkin_id

    async def _replan_pending(self, member: MemberSettings) -> None:
        """Recompute delivery times after the member changed their zone or quiet hours."""
        for pending in await checkins_sql.pending_summaries(self._db, member.user_id):
            await checkins_sql.set_deliver_at(self._db, pending.id, planned_delivery(member, pending.due_at))


def _request_fields(request: PendingLog) -> dict[str, Any]:
    """The columns a pending log and the session it becomes share."""
    fields = ("user_id", "area", "intensity", "note", "guild_id", "channel_id")
    return {name: getattr(request, name) for name in fields}
