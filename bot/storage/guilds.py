"""SQL for `guild_config`: a server's settings and whether the bot has left it.

Every other 0002 table references guild_config with ON DELETE CASCADE, so `ensure` runs before a
server's first write, and deleting a server's row here purges all of its data at once.
"""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.guilds.models import GuildConfig
from bot.storage.db import as_db_time, from_optional_db_time


async def ensure(db: aiosqlite.Connection, guild_id: int, at: datetime) -> None:
    await db.execute(
        "INSERT INTO guild_config (guild_id, created_at) VALUES (?, ?) ON CONFLICT (guild_id) DO NOTHING",
        (guild_id, as_db_time(at)),
    )


async def get(db: aiosqlite.Connection, guild_id: int) -> GuildConfig | None:
    rows = await db.execute_fetchall(
        "SELECT guild_id, mod_role_id, log_channel_id, left_at FROM guild_config WHERE guild_id = ?", (guild_id,)
    )
    return next((_config(row) for row in rows), None)


async def set_mod_role(db: aiosqlite.Connection, guild_id: int, role_id: int | None) -> None:
    await db.execute("UPDATE guild_config SET mod_role_id = ? WHERE guild_id = ?", (role_id, guild_id))


async def set_log_channel(db: aiosqlite.Connection, guild_id: int, channel_id: int | None) -> None:
    await db.execute("UPDATE guild_config SET log_channel_id = ? WHERE guild_id = ?", (channel_id, guild_id))


async def mark_left(db: aiosqlite.Connection, guild_id: int, at: datetime) -> None:
    """Keep the first departure time if the bot is told twice, so the 30 days are not restarted."""
    await db.execute(
        "UPDATE guild_config SET left_at = coalesce(left_at, ?) WHERE guild_id = ?", (as_db_time(at), guild_id)
    )


async def mark_joined(db: aiosqlite.Connection, guild_id: int) -> None:
    await db.execute("UPDATE guild_config SET left_at = NULL WHERE guild_id = ?", (guild_id,))


async def present_ids(db: aiosqlite.Connection) -> list[int]:
    """Servers with stored data that the bot has not been marked as having left."""
    rows = await db.execute_fetchall("SELECT guild_id FROM guild_config WHERE left_at IS NULL ORDER BY guild_id")
    return [int(row[0]) for row in rows]


async def delete_left_before(db: aiosqlite.Connection, moment: datetime) -> list[int]:
    """Delete (with everything that cascades from them) the servers the bot left before `moment`."""
    rows = await db.execute_fetchall(
        "DELETE FROM guild_config WHERE left_at IS NOT NULL AND left_at <= ? RETURNING guild_id",
        (as_db_time(moment),),
    )
    return sorted(int(row["guild_id"]) for row in rows)


def _config(row: aiosqlite.Row) -> GuildConfig:
    return GuildConfig(
        guild_id=row["guild_id"],
        mod_role_id=row["mod_role_id"],
        log_channel_id=row["log_channel_id"],
        left_at=from_optional_db_time(row["left_at"]),
    )
