"""SQL for running as several processes, each with a slice of the shards: who may claim which rows.

The claim queries in checkins.py, jobs.py and daily_tips.py each take the process's `ShardSlice` and add
one `.where(...)` built here, so the shard rule is written once (Discord's `(guild_id >> 22) % count`)
and travels as bound parameters. With no slice (one process, or every shard in one process) the
clause is `true`: every row, exactly as before.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Integer, literal, or_, true, update

from bot.models.shards import ShardSlice
from bot.storage.cluster import owner_of
from bot.storage.db import Database
from bot.storage.schema import checkins

SHARD_SHIFT = 22
"""A snowflake's top bits are its timestamp: Discord shards by them, `(guild_id >> 22) % shard_count`."""


def on_own_shard(guild_id: Any, shards: ShardSlice | None) -> ColumnElement[bool]:
    """`guild_id` (a column) belongs to one of this process's shards; `true` without a slice."""
    if shards is None:
        return true()
    shard = guild_id.op(">>", return_type=BigInteger)(literal(SHARD_SHIFT, Integer)) % shards.count
    return shard.in_(sorted(shards.ids))  # type: ignore[no-any-return]


def routed_here(shards: ShardSlice | None) -> ColumnElement[bool]:
    """A check-in any process may claim (not handed over), or one handed to a server of this process."""
    if shards is None:
        return true()
    return or_(checkins.c.route_guild_id.is_(None), on_own_shard(checkins.c.route_guild_id, shards))


async def hand_over(db: Database, checkin_id: int, guild_id: int) -> bool:
    """Sending -> pending, due at once, for the process that owns `guild_id`'s shard only.

    Used when the DM was refused and the server channel to fall back to is in another process's cache.
    The attempt stays counted (it was made), so a row can never bounce between processes for ever.
    False when the row was no longer being sent (settled or deleted meanwhile)."""
    statement = (
        update(checkins)
        .where(checkins.c.id == checkin_id, checkins.c.state == "sending")
        .where(checkins.c.claimed_by == owner_of(db).owner_id)  # only the claim's owner settles it
        .values(state="pending", claimed_at=None, claimed_by=None, route_guild_id=guild_id)
    )
    return (await db.write(statement)).rowcount == 1
