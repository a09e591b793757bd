"""SQL for `audit_log`: moderator actions per server, read newest first.

Only the newest `keep` rows per server are kept: /tips audit shows 20, and an unbounded log would let
one busy server grow the database forever.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy import insert as sql_insert
from sqlalchemy.engine import RowMapping

from bot.models.guilds import AuditAction, AuditEntry
from bot.storage.db import Database
from bot.storage.schema import audit_log


async def insert(
    db: Database,
    *,
    guild_id: int,
    actor_id: int | None,
    action: AuditAction,
    detail: str,
    at: datetime,
    keep: int,
) -> AuditEntry:
    statement = sql_insert(audit_log).values(
        guild_id=guild_id, actor_id=actor_id, action=action.value, detail=detail, created_at=at
    )
    entry = _entry((await db.write(statement.returning(audit_log))).mappings().one())
    oldest_kept = (
        select(audit_log.c.id)
        .where(audit_log.c.guild_id == guild_id)
        .order_by(audit_log.c.id.desc())
        .limit(1)
        .offset(keep)
        .scalar_subquery()
    )
    await db.write(delete(audit_log).where(audit_log.c.guild_id == guild_id, audit_log.c.id <= oldest_kept))
    return entry


async def latest(db: Database, guild_id: int, limit: int) -> list[AuditEntry]:
    statement = select(audit_log).where(audit_log.c.guild_id == guild_id).order_by(audit_log.c.id.desc()).limit(limit)
    return [_entry(row) for row in (await db.read(statement)).mappings()]


def _entry(row: RowMapping) -> AuditEntry:
    return AuditEntry(
        id=row["id"],
        guild_id=row["guild_id"],
        actor_id=row["actor_id"],
        action=AuditAction(row["action"]),
        detail=row["detail"],
        at=row["created_at"],
    )
