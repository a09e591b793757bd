"""Which shards a process runs, and which shard a server belongs to (Discord's rule, no discord import).

Discord sends a server's events only to the gateway connection of shard `(guild_id >> 22) % shard_count`,
and DMs only to shard 0. A process that runs some of the shards therefore holds only those servers in its
cache: whatever needs the cache (the daily tip's channel, a check-in's server-channel fallback) must be
done by the process that owns the server's shard.
"""

from __future__ import annotations

from dataclasses import dataclass


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard whose gateway connection carries this server (Discord's documented formula)."""
    return (guild_id >> 22) % shard_count


@dataclass(frozen=True)
class ShardSlice:
    """The shards this process runs (`ids`) out of `count`, the same count in every process."""

    count: int
    ids: frozenset[int]

    def owns(self, guild_id: int) -> bool:
        """True when this process receives the server's events and holds it in its cache."""
        return shard_of(guild_id, self.count) in self.ids

    @property
    def label(self) -> str:
        """A stable name for this slice, e.g. "shards-0,1-of-4", for work that is done once per slice."""
        return f"shards-{','.join(str(i) for i in sorted(self.ids))}-of-{self.count}"

    @property
    def receives_dms(self) -> bool:
        """DMs, and button presses in DMs, reach shard 0 only."""
        return 0 in self.ids
