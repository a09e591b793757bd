"""SQL for `sessions`: the massages members log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, select
from sqlalchemy import insert as sql_insert
from sqlalchemy.engine import RowMapping

from bot.models.checkins import Area, Intensity, Session
from bot.storage.db import Database
from bot.storage.json_rows import json_ready
from bot.storage.schema import checkins, sessions


async def insert(
    db: Database,
    *,
    user_id: int,
    area: Area,
    intensity: Intensity,
    note: str | None,
    guild_id: int | None,
    channel_id: int | None,
    logged_at: datetime,
) -> Session:
    statement = sql_insert(sessions).values(
        user_id=user_id,
        area=area.value,
        intensity=intensity.value,
        note=note,
        guild_id=guild_id,
        channel_id=channel_id,
        logged_at=logged_at,
    )
    return _session((await db.write(statement.returning(sessions))).mappings().one())


async def get(db: Database, session_id: int) -> Session | None:
    row = (await db.read(select(sessions).where(sessions.c.id == session_id))).mappings().first()
    return None if row is None else _session(row)


async def latest(db: Database, user_id: int, limit: int) -> list[Session]:
    statement = (
        select(sessions)
        .where(sessions.c.user_id == user_id)
        .order_by(sessions.c.logged_at.desc(), sessions.c.id.desc())
        .limit(limit)
    )
    return [_session(row) for row in (await db.read(statement)).mappings()]


async def delete_expired(db: Database, logged_before: datetime, limit: int) -> int:
    """Delete up to `limit` old sessions (their check-ins and answers cascade), sparing any still being
    checked on; a purge calls it batch by batch (storage/housekeeping.py `delete_in_batches`)."""
    open_checkin = exists().where(checkins.c.session_id == sessions.c.id, checkins.c.state.in_(("pending", "sending")))
    expired = (
        select(sessions.c.id).where(sessions.c.logged_at < logged_before, ~open_checkin).order_by(sessions.c.id)
    ).limit(limit)
    statement = delete(sessions).where(sessions.c.id.in_(expired.scalar_subquery()))
    return (await db.write(statement)).rowcount


async def delete_for_member(db: Database, user_id: int) -> int:
    return (await db.write(delete(sessions).where(sessions.c.user_id == user_id))).rowcount


async def export(db: Database, user_id: int) -> list[dict[str, Any]]:
    statement = select(sessions).where(sessions.c.user_id == user_id).order_by(sessions.c.id)
    return [json_ready(row) for row in (await db.read(statement)).mappings()]


def _session(row: RowMapping) -> Session:
    return Session(
        id=row["id"],
        user_id=row["user_id"],
        area=Area(row["area"]),
        intensity=Intensity(row["intensity"]),
        note=row["note"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        logged_at=row["logged_at"],
    )
