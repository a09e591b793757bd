"""Servers placed on chosen shards, for the tests of several processes splitting the shards.

Discord puts server `g` on shard `(g >> 22) % shard_count`; these ids are built so that rule gives the
shard a test asks for, with a channel per server and the fake's default members (its owner and alice).
"""

from __future__ import annotations

from tests.fakediscord.models import Channel, Guild

SHARD_COUNT = 2
BASE = 1_000_000


def guild_id_on(shard: int, number: int, shard_count: int = SHARD_COUNT) -> int:
    """The `number`-th server id that lands on `shard` of `shard_count`."""
    return ((BASE + number * shard_count + shard) << 22) | 1


def channel_id_of(guild_id: int) -> int:
    return guild_id + 100


def guild_on(shard: int, number: int) -> Guild:
    guild_id = guild_id_on(shard, number)
    return Guild(
        id=guild_id, name=f"shard {shard} server {number}", channels=[Channel(channel_id_of(guild_id), "general")]
    )
