-- 0010_shard_handover: a check-in whose DM was refused and whose server channel is on another process's
-- shard is handed to that process: route_guild_id names the server, and only the process that owns the
-- server's shard ((route_guild_id >> 22) % shard_count) claims the row from then on. NULL: any process.
ALTER TABLE checkins ADD COLUMN route_guild_id bigint;
