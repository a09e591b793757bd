"""SQL for `guild_tips`: a server's own tips. Every statement is scoped by guild_id, even by-id ones,
so one server can never read, change or remove another server's tip by guessing its number."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.guilds.models import GuildTip, TipFields
from bot.storage.db import as_db_time, from_db_time, from_optional_db_time


async def insert(
    db: aiosqlite.Connection, guild_id: int, fields: TipFields, *, author_id: int, at: datetime
) -> GuildTip:
    rows = await db.execute_fetchall(
        "INSERT INTO guild_tips (guild_id, topic, text, source_name, source_url, author_id, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *",
        (guild_id, fields.topic, fields.text, fields.source_name, fields.source_url, author_id, as_db_time(at)),
    )
    return _tip(next(iter(rows)))


async def update(
    db: aiosqlite.Connection, guild_id: int, tip_id: int, fields: TipFields, *, at: datetime
) -> GuildTip | None:
    rows = await db.execute_fetchall(
        "UPDATE guild_tips SET topic = ?, text = ?, source_name = ?, source_url = ?, edited_at = ?"
        " WHERE guild_id = ? AND id = ? RETURNING *",
        (fields.topic, fields.text, fields.source_name, fields.source_url, as_db_time(at), guild_id, tip_id),
    )
    return next((_tip(row) for row in rows), None)


async def delete(db: aiosqlite.Connection, guild_id: int, tip_id: int) -> GuildTip | None:
    rows = await db.execute_fetchall(
        "DELETE FROM guild_tips WHERE guild_id = ? AND id = ? RETURNING *", (guild_id, tip_id)
    )
    return next((_tip(row) for row in rows), None)


async def get(db: aiosqlite.Connection, guild_id: int, tip_id: int) -> GuildTip | None:
    rows = await db.execute_fetchall("SELECT * FROM guild_tips WHERE guild_id = ? AND id = ?", (guild_id, tip_id))
    return next((_tip(row) for row in rows), None)


async def count(db: aiosqlite.Connection, guild_id: int) -> int:
    rows = await db.execute_fetchall("SELECT count(*) FROM guild_tips WHERE guild_id = ?", (guild_id,))
    return int(next(iter(rows))[0])


async def page(db: aiosqlite.Connection, guild_id: int, *, offset: int, limit: int) -> list[GuildTip]:
    rows = await db.execute_fetchall(
        "SELECT * FROM guild_tips WHERE guild_id = ? ORDER BY id LIMIT ? OFFSET ?",
        (guild_id, limit, offset),
    )
    return [_tip(row) for row in rows]


async def all_for(db: aiosqlite.Connection, guild_id: int) -> list[GuildTip]:
    rows = await db.execute_fetchall("SELECT * FROM guild_tips WHERE guild_id = ? ORDER BY id", (guild_id,))
    return [_tip(row) for row in rows]


def _tip(row: aiosqlite.Row) -> GuildTip:
    return GuildTip(
        id=row["id"],
        guild_id=row["guild_id"],
        fields=TipFields(
            text=row["text"], topic=row["topic"], source_name=row["source_name"], source_url=row["source_url"]
        ),
        author_id=row["author_id"],
        created_at=from_db_time(row["created_at"]),
        edited_at=from_optional_db_time(row["edited_at"]),
    )
