"""SQL for `pending_logs`: a first session held until the member agrees to be remembered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import insert as sql_insert
from sqlalchemy import select, update

from bot.models.checkins import Area, Intensity
from bot.storage.db import Database
from bot.storage.json_rows import json_ready
from bot.storage.schema import checkins, pending_logs


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
    db: Database,
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
    statement = sql_insert(pending_logs).values(
        user_id=user_id,
        area=area.value,
        intensity=intensity.value,
        delay_seconds=int(delay.total_seconds()),
        note=note,
        guild_id=guild_id,
        channel_id=channel_id,
        created_at=created_at,
    )
    return int((await db.write(statement.returning(pending_logs.c.id))).scalar_one())


async def get(db: Database, pending_id: int, user_id: int) -> PendingLog | None:
    """The member's own pending log; another member's id looks exactly like a missing one."""
    statement = select(pending_logs).where(pending_logs.c.id == pending_id, pending_logs.c.user_id == user_id)
    row = (await db.read(statement)).mappings().first()
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


async def mark_logged(db: Database, pending_id: int, session_id: int) -> bool:
    """Compare-and-set: True only for the caller that logged it; the note now lives in `sessions`."""
    statement = (
        update(pending_logs)
        .where(pending_logs.c.id == pending_id, pending_logs.c.session_id.is_(None))
        .values(session_id=session_id, note=None)
    )
    return (await db.write(statement)).rowcount == 1


async def first_checkin_of(db: Database, session_id: int) -> int | None:
    statement = (
        select(checkins.c.id)
        .where(checkins.c.session_id == session_id, checkins.c.follow_up_of.is_(None))
        .order_by(checkins.c.id)
        .limit(1)
    )
    found = (await db.read(statement)).scalar()
    return None if found is None else int(found)


async def delete(db: Database, pending_id: int, user_id: int) -> int:
    statement = sql_delete(pending_logs).where(pending_logs.c.id == pending_id, pending_logs.c.user_id == user_id)
    return (await db.write(statement)).rowcount


async def delete_for_member(db: Database, user_id: int) -> int:
    return (await db.write(sql_delete(pending_logs).where(pending_logs.c.user_id == user_id))).rowcount


async def delete_older_than(db: Database, created_before: datetime, limit: int | None = None) -> int:
    """Forget held sessions created before `created_before`: all of them, or at most `limit` (a purge's batch)."""
    if limit is None:
        return (await db.write(sql_delete(pending_logs).where(pending_logs.c.created_at < created_before))).rowcount
    old = select(pending_logs.c.id).where(pending_logs.c.created_at < created_before).order_by(pending_logs.c.id)
    statement = sql_delete(pending_logs).where(pending_logs.c.id.in_(old.limit(limit).scalar_subquery()))
    return (await db.write(statement)).rowcount


async def export(db: Database, user_id: int) -> list[dict[str, Any]]:
    statement = select(pending_logs).where(pending_logs.c.user_id == user_id).order_by(pending_logs.c.id)
    return [json_ready(row) for row in (await db.read(statement)).mappings()]


async def keep_newest(db: Database, user_id: int, keep: int) -> int:
    """Forget all but the member's `keep` newest sessions still waiting for consent."""
    waiting = (pending_logs.c.user_id == user_id, pending_logs.c.session_id.is_(None))
    newest = select(pending_logs.c.id).where(*waiting).order_by(pending_logs.c.id.desc()).limit(keep)
    statement = sql_delete(pending_logs).where(*waiting, pending_logs.c.id.not_in(newest))
    return (await db.write(statement)).rowcount
