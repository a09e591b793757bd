"""SQL for `guild_config`: a server's settings and whether the bot has left it.

Every other 0002 table references guild_config with ON DELETE CASCADE, so `ensure` runs before a
server's first write, and deleting a server's row here purges all of its data at once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, literal, select, update
from sqlalchemy.engine import RowMapping

from bot.models.guilds import GuildConfig
from bot.models.shards import ShardSlice
from bot.storage.db import Database
from bot.storage.schema import guild_config, insert
from bot.storage.shards import on_own_shard

_CONFIG = (guild_config.c.guild_id, guild_config.c.mod_role_id, guild_config.c.log_channel_id, guild_config.c.left_at)


async def ensure(db: Database, guild_id: int, at: datetime) -> None:
    statement = insert(db.dialect, guild_config).values(guild_id=guild_id, created_at=at)
    await db.write(statement.on_conflict_do_nothing(index_elements=["guild_id"]))


async def get(db: Database, guild_id: int) -> GuildConfig | None:
    row = (await db.read(select(*_CONFIG).where(guild_config.c.guild_id == guild_id))).mappings().first()
    return None if row is None else _config(row)


async def lock(db: Database, guild_id: int) -> None:
    """Lock the server's row until the transaction ends (PostgreSQL; SQLite's BEGIN IMMEDIATE already
    serialises writers): for read-then-write steps such as "count the server's tips, then add one"."""
    await db.read(select(guild_config.c.guild_id).where(guild_config.c.guild_id == guild_id).with_for_update())


async def set_mod_role(db: Database, guild_id: int, role_id: int | None) -> None:
    await db.write(update(guild_config).where(guild_config.c.guild_id == guild_id).values(mod_role_id=role_id))


async def set_log_channel(db: Database, guild_id: int, channel_id: int | None) -> None:
    await db.write(update(guild_config).where(guild_config.c.guild_id == guild_id).values(log_channel_id=channel_id))


async def mark_left(db: Database, guild_id: int, at: datetime) -> None:
    """Keep the first departure time if the bot is told twice, so the 30 days are not restarted."""
    left_at = func.coalesce(guild_config.c.left_at, literal(at, type_=guild_config.c.left_at.type))
    await db.write(update(guild_config).where(guild_config.c.guild_id == guild_id).values(left_at=left_at))


async def mark_joined(db: Database, guild_id: int) -> None:
    await db.write(update(guild_config).where(guild_config.c.guild_id == guild_id).values(left_at=None))


async def present_ids(db: Database, shards: ShardSlice | None = None) -> list[int]:
    """Servers with stored data that the bot has not been marked as having left (of `shards` only)."""
    statement = (
        select(guild_config.c.guild_id).where(guild_config.c.left_at.is_(None)).order_by(guild_config.c.guild_id)
    )
    statement = statement.where(on_own_shard(guild_config.c.guild_id, shards))
    return [int(guild_id) for guild_id in (await db.read(statement)).scalars()]


async def delete_left_before(db: Database, moment: datetime, limit: int, shards: ShardSlice | None = None) -> list[int]:
    """Delete (with everything that cascades from them) up to `limit` servers the bot left before `moment`,
    of `shards` only: only their process sees such a server come back (GUILD_CREATE) and unmark it."""
    departed = (
        select(guild_config.c.guild_id)
        .where(guild_config.c.left_at.is_not(None), guild_config.c.left_at <= moment)
        .where(on_own_shard(guild_config.c.guild_id, shards))
        .order_by(guild_config.c.guild_id)
        .limit(limit)
    )
    statement = (
        delete(guild_config)
        .where(guild_config.c.guild_id.in_(departed.scalar_subquery()))
        .returning(guild_config.c.guild_id)
    )
    return sorted(int(guild_id) for guild_id in (await db.write(statement)).scalars())


def _config(row: RowMapping) -> GuildConfig:
    return GuildConfig(
        guild_id=row["guild_id"],
        mod_role_id=row["mod_role_id"],
        log_channel_id=row["log_channel_id"],
        left_at=row["left_at"],
    )
