"""SQL for `pending_logs`: a first session held until the member agrees to be remembered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiosqlite

from bot.checkins.models import Area, Intensity
from bot.storage.db import as_db_time


@dataclass(frozen=True)
class PendingLog:
    id: int
    user_id: int
    area: Area
    intensity: Intensity
    delay: timedelta
    note: str | None
    guild_id: int | None
    channel_id: int | None
    session_id: int | None
    """Set by the first "I agree": the session it logged."""


async def insert(
    db: aiosqlite.Connection,
    *,
    user_id: int,
    area: Area,
    intensity: Intensity,
    delay: timedelta,
    note: str | None,
    guild_id: int | None,
    channel_id: int | None,
    created_at: datetime,
) -> int:
    rows = await db.execute_fetchall(
        "INSERT INTO pending_logs (user_id, area, intensity, delay_seconds, note, guild_id, channel_id, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            user_id,
            area.value,
            intensity.value,
            int(delay.total_seconds()),
            note,
            guild_id,
            channel_id,
            as_db_time(created_at),
        ),
    )
    return int(next(iter(rows))["id"])


async def get(db: aiosqlite.Connection, pending_id: int, user_id: int) -> PendingLog | None:
    """The member's own pending log; another member's id looks exactly like a missing one."""
    rows = await db.execute_fetchall("SELECT * FROM pending_logs WHERE id = ? AND user_id = ?", (pending_id, user_id))
    row = next(iter(rows), None)
    if row is None:
        return None
    return PendingLog(
        id=row["id"],
        user_id=row["user_id"],
        area=Area(row["area"]),
        intensity=Intensity(row["intensity"]),
        delay=timedelta(seconds=row["delay_seconds"]),
        note=row["note"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        session_id=row["session_id"],
    )


async def mark_logged(db: aiosqlite.Connection, pending_id: int, session_id: int) -> bool:
    """Compare-and-set: True only for the caller that logged it; the note now lives in `sessions`."""
    cursor = await db.execute(
        "UPDATE pending_logs SET session_id = ?, note = NULL WHERE id = ? AND session_id IS NULL",
        (session_id, pending_id),
    )
    return cursor.rowcount == 1


async def first_checkin_of(db: aiosqlite.Connection, session_id: int) -> int | None:
    rows = await db.execute_fetchall(
        "SELECT id FROM checkins WHERE session_id = ? AND follow_up_of IS NULL ORDER BY id LIMIT 1", (session_id,)
    )
    return next((int(row["id"]) for row in rows), None)


async def delete(db: aiosqlite.Connection, pending_id: int, user_id: int) -> int:
    cursor = await db.execute("DELETE FROM pending_logs WHERE id = ? AND user_id = ?", (pending_id, user_id))
    return cursor.rowcount


async def delete_for_member(db: aiosqlite.Connection, user_id: int) -> int:
    cursor = await db.execute("DELETE FROM pending_logs WHERE user_id = ?", (user_id,))
    return cursor.rowcount


async def delete_older_than(db: aiosqlite.Connection, created_before: datetime) -> int:
    cursor = await db.execute("DELETE FROM pending_logs WHERE created_at < ?", (as_db_time(created_before),))
    return cursor.rowcount


async def export(db: aiosqlite.Connection, user_id: int) -> list[dict[str, Any]]:
    rows = await db.execute_fetchall("SELECT * FROM pending_logs WHERE user_id = ? ORDER BY id", (user_id,))
    return [dict(row) for row in rows]


async def keep_newest(db: aiosqlite.Connection, user_id: int, keep: int) -> int:
    """Forget all but the member's `keep` newest sessions still waiting for consent."""
    cursor = await db.execute(
        "DELETE FROM pending_logs WHERE user_id = ? AND session_id IS NULL AND id NOT IN ("
        " SELECT id FROM pending_logs WHERE user_id = ? AND session_id IS NULL ORDER BY id DESC LIMIT ?)",
        (user_id, user_id, keep),
    )
    return cursor.rowcount
