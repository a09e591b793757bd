"""SQL for `audit_log`: moderator actions per server, read newest first.

Only the newest `keep` rows per server are kept: /tips audit shows 20, and an unbounded log would let
one busy server grow the database forever.
"""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.guilds.models import AuditAction, AuditEntry
from bot.storage.db import as_db_time, from_db_time


async def insert(
    db: aiosqlite.Connection,
    *,
    guild_id: int,
    actor_id: int | None,
    action: AuditAction,
    detail: str,
    at: datetime,
    keep: int,
) -> AuditEntry:
    rows = await db.execute_fetchall(
        "INSERT INTO audit_log (guild_id, actor_id, action, detail, created_at) VALUES (?, ?, ?, ?, ?)"
        " RETURNING id, guild_id, actor_id, action, detail, created_at",
        (guild_id, actor_id, action.value, detail, as_db_time(at)),
    )
    entry = _entry(next(iter(rows)))
    await db.execute(
        "DELETE FROM audit_log WHERE guild_id = ? AND id <= (SELECT id FROM audit_log WHERE guild_id = ?"
        " ORDER BY id DESC LIMIT 1 OFFSET ?)",
        (guild_id, guild_id, keep),
    )
    return entry


async def latest(db: aiosqlite.Connection, guild_id: int, limit: int) -> list[AuditEntry]:
    rows = await db.execute_fetchall(
        "SELECT id, guild_id, actor_id, action, detail, created_at FROM audit_log WHERE guild_id = ?"
        " ORDER BY id DESC LIMIT ?",
        (guild_id, limit),
    )
    return [_entry(row) for row in rows]


def _entry(row: aiosqlite.Row) -> AuditEntry:
    return AuditEntry(
        id=row["id"],
        guild_id=row["guild_id"],
        actor_id=row["actor_id"],
        action=AuditAction(row["action"]),
        detail=row["detail"],
        at=from_db_time(row["created_at"]),
    )
