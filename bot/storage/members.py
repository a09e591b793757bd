"""SQL for `members`: consent, time zone, quiet hours, the cached DM channel and when DMs were refused."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import select, update
from sqlalchemy.engine import RowMapping

from bot.models.checkins import MemberSettings, QuietHours, parse_clock_time
from bot.storage.db import Database
from bot.storage.json_rows import json_ready
from bot.storage.schema import insert, members

_SETTINGS = (
    members.c.user_id,
    members.c.consented_at,
    members.c.timezone,
    members.c.quiet_start,
    members.c.quiet_end,
    members.c.dm_channel_id,
)


async def get(db: Database, user_id: int) -> MemberSettings | None:
    row = (await db.read(select(*_SETTINGS).where(members.c.user_id == user_id))).mappings().first()
    return None if row is None else _member(row)


async def lock(db: Database, user_id: int) -> MemberSettings | None:
    """`get`, locking the member's row until the transaction ends (FOR UPDATE on PostgreSQL).

    Serialises a member's read-then-write steps (count waiting check-ins, then insert) under READ
    COMMITTED; on SQLite BEGIN IMMEDIATE already did, and the clause is left out.
    """
    statement = select(*_SETTINGS).where(members.c.user_id == user_id).with_for_update()
    row = (await db.read(statement)).mappings().first()
    return None if row is None else _member(row)


async def add_consent(db: Database, user_id: int, at: datetime) -> bool:
    """True when this is the member's first consent; a repeat keeps the original time."""
    statement = insert(db.dialect, members).values(user_id=user_id, consented_at=at)
    result = await db.write(statement.on_conflict_do_nothing(index_elements=["user_id"]))
    return result.rowcount == 1


async def set_timezone(db: Database, user_id: int, timezone: str) -> None:
    await db.write(update(members).where(members.c.user_id == user_id).values(timezone=timezone))


async def set_quiet_hours(db: Database, user_id: int, quiet: QuietHours | None) -> None:
    start, end = (None, None) if quiet is None else (f"{quiet.start:%H:%M}", f"{quiet.end:%H:%M}")
    await db.write(update(members).where(members.c.user_id == user_id).values(quiet_start=start, quiet_end=end))


async def set_dm_channel(db: Database, user_id: int, channel_id: int) -> None:
    """Only for members who consented: for anyone else the UPDATE touches nothing."""
    await db.write(update(members).where(members.c.user_id == user_id).values(dm_channel_id=channel_id))


async def set_dms_closed(db: Database, user_id: int, at: datetime) -> None:
    """Record when Discord refused a DM to the member; a member without a row (no consent) is untouched."""
    await db.write(update(members).where(members.c.user_id == user_id).values(dms_closed_at=at))


async def delete(db: Database, user_id: int) -> int:
    return (await db.write(sql_delete(members).where(members.c.user_id == user_id))).rowcount


async def export(db: Database, user_id: int) -> dict[str, Any] | None:
    row = (await db.read(select(members).where(members.c.user_id == user_id))).mappings().first()
    return None if row is None else json_ready(row)


def quiet_hours_of(row: RowMapping) -> QuietHours | None:
    """The quiet hours in a row holding the members columns `quiet_start` and `quiet_end`."""
    if row["quiet_start"] is None:
        return None
    return QuietHours(parse_clock_time(row["quiet_start"]), parse_clock_time(row["quiet_end"]))


def _member(row: RowMapping) -> MemberSettings:
    return MemberSettings(
        user_id=row["user_id"],
        consented_at=row["consented_at"],
        timezone=row["timezone"],
        quiet_hours=quiet_hours_of(row),
        dm_channel_id=row["dm_channel_id"],
    )
