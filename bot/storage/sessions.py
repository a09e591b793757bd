"""SQL for `sessions`: the massages members log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiosqlite

from bot.checkins.models import Area, Intensity, Session
from bot.storage.db import as_db_time, from_db_time


async def insert(
    db: aiosqlite.Connection,
    *,
    user_id: int,
    area: Area,
    intensity: Intensity,
    note: str | None,
    guild_id: int | None,
    channel_id: int | None,
    logged_at: datetime,
) -> Session:
    rows = await db.execute_fetchall(
        "INSERT INTO sessions (user_id, area, intensity, note, guild_id, channel_id, logged_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *",
        (user_id, area.value, intensity.value, note, guild_id, channel_id, as_db_time(logged_at)),
    )
    return _session(next(iter(rows)))


async def get(db: aiosqlite.Connection, session_id: int) -> Session | None:
    rows = await db.execute_fetchall("SELECT * FROM sessions WHERE id = ?", (session_id,))
    return next((_session(row) for row in rows), None)


async def latest(db: aiosqlite.Connection, user_id: int, limit: int) -> list[Session]:
    rows = await db.execute_fetchall(
        "SELECT * FROM sessions WHERE user_id = ? ORDER BY logged_at DESC, id DESC LIMIT ?",
        (user_id, limit),
    )
    return [_session(row) for row in rows]


async def delete_expired(db: aiosqlite.Connection, logged_before: datetime) -> int:
    """Delete old sessions (their check-ins and answers cascade), sparing any still being checked on."""
    cursor = await db.execute(
        "DELETE FROM sessions WHERE logged_at < ? AND NOT EXISTS ("
        " SELECT 1 FROM checkins WHERE checkins.session_id = sessions.id AND state IN ('pending', 'sending'))",
        (as_db_time(logged_before),),
    )
    return cursor.rowcount


async def delete_for_member(db: aiosqlite.Connection, user_id: int) -> int:
    cursor = await db.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,))
    return cursor.rowcount


async def export(db: aiosqlite.Connection, user_id: int) -> list[dict[str, Any]]:
    rows = await db.execute_fetchall("SELECT * FROM sessions WHERE user_id = ? ORDER BY id", (user_id,))
    return [dict(row) for row in rows]


def _session(row: aiosqlite.Row) -> Session:
    return Session(
        id=row["id"],
        user_id=row["user_id"],
        area=Area(row["area"]),
        intensity=Intensity(row["intensity"]),
        note=row["note"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        logged_at=from_db_time(row["logged_at"]),
    )
