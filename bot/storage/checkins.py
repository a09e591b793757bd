"""SQL for `checkins`: scheduling, the delivery state machine, and the notices about failed deliveries.

State changes are guarded UPDATEs (`... WHERE state = 'sending'`), so a late or repeated call from the
delivery layer changes nothing instead of moving a row backwards.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import aiosqlite

from bot.checkins.models import Area, Checkin, CheckinState, CheckinSummary, DueCheckin, Intensity
from bot.checkins.quiet_hours import next_allowed_delivery
from bot.checkins.timezones import zone_named
from bot.storage.db import as_db_time, from_db_time, from_optional_db_time
from bot.storage.members import quiet_hours_of

_SUMMARY = (
    "SELECT c.id, c.state, s.area, s.intensity, s.logged_at, c.due_at, c.deliver_at, c.follow_up_of, c.problem"
    " FROM checkins AS c JOIN sessions AS s ON s.id = c.session_id"
    " WHERE c.id = ?"
)
_PENDING_SUMMARIES = (
    "SELECT c.id, c.state, s.area, s.intensity, s.logged_at, c.due_at, c.deliver_at, c.follow_up_of, c.problem"
    " FROM checkins AS c JOIN sessions AS s ON s.id = c.session_id"
    " WHERE c.user_id = ? AND c.state = 'pending' ORDER BY c.deliver_at, c.id"
)
_UNTOLD_NOTICES = (
    "SELECT c.id, c.state, s.area, s.intensity, s.logged_at, c.due_at, c.deliver_at, c.follow_up_of, c.problem"
    " FROM checkins AS c JOIN sessions AS s ON s.id = c.session_id"
    " WHERE c.user_id = ? AND c.notified_at IS NULL AND c.state IN ('undeliverable', 'failed')"
    " ORDER BY c.deliver_at, c.id"
)
_DUE = (
    "SELECT c.id, c.user_id, c.due_at, c.claimed_at, c.attempts, c.snoozes, c.follow_up_of,"
    " s.area, s.intensity, s.logged_at, s.guild_id, s.channel_id,"
    " m.timezone, m.quiet_start, m.quiet_end, m.dm_channel_id"
    " FROM checkins AS c JOIN sessions AS s ON s.id = c.session_id JOIN members AS m ON m.user_id = c.user_id"
    " WHERE c.id IN (SELECT value FROM json_each(?)) AND c.state = 'sending' ORDER BY c.deliver_at, c.id"
)


async def insert(
    db: aiosqlite.Connection,
    *,
    user_id: int,
    session_id: int,
    due_at: datetime,
    deliver_at: datetime,
    created_at: datetime,
    follow_up_of: int | None = None,
) -> int | None:
    """The new check-in's id, or None when `follow_up_of` already has its one follow-up."""
    rows = await db.execute_fetchall(
        "INSERT INTO checkins (user_id, session_id, follow_up_of, due_at, deliver_at, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (follow_up_of) DO NOTHING RETURNING id",
        (user_id, session_id, follow_up_of, as_db_time(due_at), as_db_time(deliver_at), as_db_time(created_at)),
    )
    return next((int(row["id"]) for row in rows), None)


async def get(db: aiosqlite.Connection, checkin_id: int) -> Checkin | None:
    rows = await db.execute_fetchall("SELECT * FROM checkins WHERE id = ?", (checkin_id,))
    return next((_checkin(row) for row in rows), None)


async def follow_up(db: aiosqlite.Connection, parent_id: int) -> Checkin | None:
    rows = await db.execute_fetchall("SELECT * FROM checkins WHERE follow_up_of = ?", (parent_id,))
    return next((_checkin(row) for row in rows), None)


async def count_open(db: aiosqlite.Connection, user_id: int) -> int:
    """Check-ins the member is still waiting for: pending, or being sent right now."""
    rows = await db.execute_fetchall(
        "SELECT count(*) FROM checkins WHERE user_id = ? AND state IN ('pending', 'sending')", (user_id,)
    )
    return int(next(iter(rows))[0])


async def pending_summaries(db: aiosqlite.Connection, user_id: int) -> list[CheckinSummary]:
    """The member's check-ins still waiting to be sent, soonest delivery first."""
    rows = await db.execute_fetchall(_PENDING_SUMMARIES, (user_id,))
    return [_summary(row) for row in rows]


async def summary(db: aiosqlite.Connection, checkin_id: int) -> CheckinSummary:
    """The check-in and the session it asks about; the id must exist."""
    rows = await db.execute_fetchall(_SUMMARY, (checkin_id,))
    return _summary(next(iter(rows)))


async def set_deliver_at(db: aiosqlite.Connection, checkin_id: int, deliver_at: datetime) -> None:
    await db.execute(
        "UPDATE checkins SET deliver_at = ? WHERE id = ? AND state = 'pending'", (as_db_time(deliver_at), checkin_id)
    )


async def cancel(db: aiosqlite.Connection, checkin_id: int, user_id: int) -> bool:
    cursor = await db.execute(
        "UPDATE checkins SET state = 'cancelled' WHERE id = ? AND user_id = ? AND state = 'pending'",
        (checkin_id, user_id),
    )
    return cursor.rowcount == 1


async def snooze(db: aiosqlite.Connection, checkin_id: int, due_at: datetime, deliver_at: datetime) -> bool:
    """Send a sent check-in again later, as a new delivery: attempts restart and the nonce changes."""
    cursor = await db.execute(
        "UPDATE checkins SET state = 'pending', due_at = ?, deliver_at = ?, snoozes = snoozes + 1, attempts = 0"
        " WHERE id = ? AND state = 'sent'",
        (as_db_time(due_at), as_db_time(deliver_at), checkin_id),
    )
    return cursor.rowcount == 1


async def drop_resend(db: aiosqlite.Connection, checkin_id: int) -> bool:
    """A snoozed check-in answered from its earlier message needs no second message."""
    cursor = await db.execute(
        "UPDATE checkins SET state = 'sent' WHERE id = ? AND state = 'pending' AND sent_at IS NOT NULL",
        (checkin_id,),
    )
    return cursor.rowcount == 1


async def claim_due(db: aiosqlite.Connection, now: datetime, limit: int) -> list[int]:
    """Flip up to `limit` due pending rows to sending in one statement: each row goes to one caller."""
    rows = await db.execute_fetchall(
        "UPDATE checkins SET state = 'sending', claimed_at = ?, attempts = attempts + 1"
        " WHERE id IN (SELECT id FROM checkins WHERE state = 'pending' AND deliver_at <= ?"
        " ORDER BY deliver_at, id LIMIT ?) RETURNING id",
        (as_db_time(now), as_db_time(now), limit),
    )
    return [int(row["id"]) for row in rows]


async def release(db: aiosqlite.Connection, checkin_ids: list[int]) -> None:
    """Undo claims that were never acted on: back to pending, the attempt not counted."""
    await db.execute(
        "UPDATE checkins SET state = 'pending', claimed_at = NULL, attempts = attempts - 1"
        " WHERE id IN (SELECT value FROM json_each(?)) AND state = 'sending'",
        (json.dumps(checkin_ids),),
    )


async def claimed_before(db: aiosqlite.Connection, moment: datetime) -> list[int]:
    rows = await db.execute_fetchall(
        "SELECT id FROM checkins WHERE state = 'sending' AND claimed_at < ? ORDER BY claimed_at, id",
        (as_db_time(moment),),
    )
    return [int(row["id"]) for row in rows]


async def load_due(db: aiosqlite.Connection, checkin_ids: list[int]) -> list[DueCheckin]:
    """The claimed ("sending") rows among `checkin_ids`, with what the message needs."""
    rows = await db.execute_fetchall(_DUE, (json.dumps(checkin_ids),))
    return [_due(row) for row in rows]


async def mark_sent(
    db: aiosqlite.Connection, checkin_id: int, *, channel_id: int, message_id: int, at: datetime
) -> bool:
    cursor = await db.execute(
        "UPDATE checkins SET state = 'sent', sent_at = ?, channel_id = ?, message_id = ?, claimed_at = NULL,"
        " problem = NULL WHERE id = ? AND state = 'sending'",
        (as_db_time(at), channel_id, message_id, checkin_id),
    )
    return cursor.rowcount == 1


async def mark_undeliverable(db: aiosqlite.Connection, checkin_id: int, problem: str) -> bool:
    cursor = await db.execute(
        "UPDATE checkins SET state = 'undeliverable', problem = ?, claimed_at = NULL, notified_at = NULL"
        " WHERE id = ? AND state = 'sending'",
        (problem, checkin_id),
    )
    return cursor.rowcount == 1


async def retry_or_fail(
    db: aiosqlite.Connection, checkin_id: int, *, deliver_at: datetime, max_attempts: int
) -> CheckinState | None:
    """Back to pending for another try at `deliver_at`, or failed once `max_attempts` were used up.

    None when the row is not being sent (already settled, or deleted meanwhile).
    """
    rows = await db.execute_fetchall(
        "UPDATE checkins SET claimed_at = NULL, deliver_at = ?,"
        " state = CASE WHEN attempts >= ? THEN 'failed' ELSE 'pending' END,"
        " problem = CASE WHEN attempts >= ? THEN 'gave up after ' || attempts || ' delivery attempts' END"
        " WHERE id = ? AND state = 'sending' RETURNING state",
        (as_db_time(deliver_at), max_attempts, max_attempts, checkin_id),
    )
    return next((CheckinState(row["state"]) for row in rows), None)


async def next_deliver_at(db: aiosqlite.Connection) -> datetime | None:
    rows = await db.execute_fetchall("SELECT min(deliver_at) FROM checkins WHERE state = 'pending'")
    text = next(iter(rows))[0]
    return from_optional_db_time(text)


async def untold_notices(db: aiosqlite.Connection, user_id: int) -> list[CheckinSummary]:
    """Check-ins that never reached the member and that they have not been told about yet."""
    rows = await db.execute_fetchall(_UNTOLD_NOTICES, (user_id,))
    return [_summary(row) for row in rows]


async def mark_notified(db: aiosqlite.Connection, user_id: int, checkin_ids: Sequence[int], at: datetime) -> None:
    """Record that the member was told about these check-ins; anyone else's ids, or told ones, are left alone."""
    await db.execute(
        "UPDATE checkins SET notified_at = ? WHERE user_id = ? AND notified_at IS NULL"
        " AND state IN ('undeliverable', 'failed') AND id IN (SELECT value FROM json_each(?))",
        (as_db_time(at), user_id, json.dumps(list(checkin_ids))),
    )


async def delete_for_member(db: aiosqlite.Connection, user_id: int) -> int:
    cursor = await db.execute("DELETE FROM checkins WHERE user_id = ?", (user_id,))
    return cursor.rowcount


async def export(db: aiosqlite.Connection, user_id: int) -> list[dict[str, Any]]:
    rows = await db.execute_fetchall("SELECT * FROM checkins WHERE user_id = ? ORDER BY id", (user_id,))
    return [dict(row) for row in rows]


def _checkin(row: aiosqlite.Row) -> Checkin:
    return Checkin(
        id=row["id"],
        user_id=row["user_id"],
        session_id=row["session_id"],
        follow_up_of=row["follow_up_of"],
        state=CheckinState(row["state"]),
        due_at=from_db_time(row["due_at"]),
        deliver_at=from_db_time(row["deliver_at"]),
        snoozes=row["snoozes"],
        attempts=row["attempts"],
        sent_at=from_optional_db_time(row["sent_at"]),
    )


def _summary(row: aiosqlite.Row) -> CheckinSummary:
    return CheckinSummary(
        id=row["id"],
        state=CheckinState(row["state"]),
        area=Area(row["area"]),
        intensity=Intensity(row["intensity"]),
        logged_at=from_db_time(row["logged_at"]),
        due_at=from_db_time(row["due_at"]),
        deliver_at=from_db_time(row["deliver_at"]),
        is_follow_up=row["follow_up_of"] is not None,
        problem=row["problem"],
    )


def _due(row: aiosqlite.Row) -> DueCheckin:
    due_at, claimed_at = from_db_time(row["due_at"]), from_db_time(row["claimed_at"])
    planned_at = next_allowed_delivery(due_at, zone_named(row["timezone"]), quiet_hours_of(row))
    return DueCheckin(
        checkin_id=row["id"],
        user_id=row["user_id"],
        area=Area(row["area"]),
        intensity=Intensity(row["intensity"]),
        logged_at=from_db_time(row["logged_at"]),
        timezone=row["timezone"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        dm_channel_id=row["dm_channel_id"],
        due_at=due_at,
        claimed_at=claimed_at,
        late_by=max(claimed_at - planned_at, timedelta(0)),
        attempt=row["attempts"],
        is_follow_up=row["follow_up_of"] is not None,
        nonce=f"kb{row['id']}s{row['snoozes']}",
    )
