"""SQL for `members`: consent, time zone, quiet hours and the cached DM channel of each member."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiosqlite

from bot.checkins.models import MemberSettings
from bot.checkins.quiet_hours import QuietHours, parse_clock_time
from bot.storage.db import as_db_time, from_db_time


async def get(db: aiosqlite.Connection, user_id: int) -> MemberSettings | None:
    async with db.execute(
        "SELECT user_id, consented_at, timezone, quiet_start, quiet_end, dm_channel_id FROM members WHERE user_id = ?",
        (user_id,),
    ) as cursor:
        row = await cursor.fetchone()
    return None if row is None else _member(row)


async def add_consent(db: aiosqlite.Connection, user_id: int, at: datetime) -> bool:
    """True when this is the member's first consent; a repeat keeps the original time."""
    cursor = await db.execute(
        "INSERT INTO members (user_id, consented_at) VALUES (?, ?) ON CONFLICT (user_id) DO NOTHING",
        (user_id, as_db_time(at)),
    )
    return cursor.rowcount == 1


async def set_timezone(db: aiosqlite.Connection, user_id: int, timezone: str) -> None:
    await db.execute("UPDATE members SET timezone = ? WHERE user_id = ?", (timezone, user_id))


async def set_quiet_hours(db: aiosqlite.Connection, user_id: int, quiet: QuietHours | None) -> None:
    start, end = (None, None) if quiet is None else (f"{quiet.start:%H:%M}", f"{quiet.end:%H:%M}")
    await db.execute("UPDATE members SET quiet_start = ?, quiet_end = ? WHERE user_id = ?", (start, end, user_id))


async def set_dm_channel(db: aiosqlite.Connection, user_id: int, channel_id: int) -> None:
    """Only for members who consented: for anyone else the UPDATE touches nothing."""
    await db.execute("UPDATE members SET dm_channel_id = ? WHERE user_id = ?", (channel_id, user_id))


async def delete(db: aiosqlite.Connection, user_id: int) -> int:
    cursor = await db.execute("DELETE FROM members WHERE user_id = ?", (user_id,))
    return cursor.rowcount


async def export(db: aiosqlite.Connection, user_id: int) -> dict[str, Any] | None:
    rows = await db.execute_fetchall("SELECT * FROM members WHERE user_id = ?", (user_id,))
    return next((dict(row) for row in rows), None)


def quiet_hours_of(row: aiosqlite.Row) -> QuietHours | None:
    """The quiet hours in a row holding the members columns `quiet_start` and `quiet_end`."""
    if row["quiet_start"] is None:
        return None
    return QuietHours(parse_clock_time(row["quiet_start"]), parse_clock_time(row["quiet_end"]))


def _member(row: aiosqlite.Row) -> MemberSettings:
    return MemberSettings(
        user_id=row["user_id"],
        consented_at=from_db_time(row["consented_at"]),
        timezone=row["timezone"],
        quiet_hours=quiet_hours_of(row),
        dm_channel_id=row["dm_channel_id"],
    )
