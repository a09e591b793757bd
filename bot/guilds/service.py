"""GuildService: a server's settings, the moderator check, the audit trail and the 30-day lifecycle.

Every method takes the guild_id it works on and every query is scoped by it, so one server's settings
and audit trail can never show up in, or change, another server.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from bot.clock import Clock, utc_now
from bot.guilds.audit import RECENT_SHOWN, AuditTrail
from bot.guilds.errors import BadModRole, NotModerator, ServerOnly
from bot.guilds.models import AuditAction, AuditEntry, GuildConfig
from bot.guilds.permissions import is_moderator
from bot.log import get_logger
from bot.models.shards import ShardSlice
from bot.storage import guilds as guilds_sql
from bot.storage import posted_checks as posted_sql
from bot.storage.db import Database
from bot.storage.housekeeping import delete_in_batches
from bot.storage.transactions import transaction

RETENTION_AFTER_LEAVING = timedelta(days=30)
GUILDS_PER_BATCH = 20
"""Servers purged per transaction: each takes all of its tips, audit entries and daily posts with it."""

log = get_logger(__name__)


class GuildService:
    """Settings and lifecycle of the servers the bot is in; the cogs call it, never the SQL."""

    def __init__(
        self,
        db: Database,
        *,
        audit: AuditTrail,
        clock: Clock = utc_now,
        retention: timedelta = RETENTION_AFTER_LEAVING,
        reader: Database | None = None,
        shards: ShardSlice | None = None,
    ) -> None:
        """`reader` serves the read-only queries; `db` does the writes.

        It defaults to `db`, whose reads outside a transaction already use its reader engine. `shards`:
        the servers this process can see (None: all), so it never takes another shard's for departed.
        """
        self._db, self._audit, self._clock, self.retention = db, audit, clock, retention
        self._shards = shards
        self._read = reader if reader is not None else db

    async def config(self, guild_id: int) -> GuildConfig:
        """The server's settings, or the defaults when nothing was ever set."""
        return await guilds_sql.get(self._read, guild_id) or GuildConfig(guild_id)

    async def check_moderator(self, guild_id: int | None, *, has_manage_guild: bool, role_ids: Collection[int]) -> int:
        """The guild_id when the member may run moderator commands here; ServerOnly in DMs, else NotModerator."""
        if guild_id is None:
            raise ServerOnly()
        config = await self.config(guild_id)
        if not is_moderator(has_manage_guild=has_manage_guild, role_ids=role_ids, mod_role_id=config.mod_role_id):
            raise NotModerator()
        return guild_id

    async def set_mod_role(self, guild_id: int, actor_id: int, role_id: int | None) -> GuildConfig:
        """Set (or with None, clear) the moderator role; @everyone (id == guild_id) is refused."""
        if role_id == guild_id:
            raise BadModRole()
        detail = "Moderator role cleared" if role_id is None else f"Moderator role set to <@&{role_id}>"
        async with transaction(self._db):
            await guilds_sql.ensure(self._db, guild_id, self._clock())
            await guilds_sql.set_mod_role(self._db, guild_id, role_id)
            entry = await self._audit.write(guild_id, actor_id, AuditAction.SET_MOD_ROLE, detail)
        self._audit.publish(entry)
        return await self.config(guild_id)

    async def set_log_channel(self, guild_id: int, actor_id: int, channel_id: int | None) -> GuildConfig:
        """Set (or with None, clear) the channel the Discord side mirrors audit entries to."""
        detail = "Log channel cleared" if channel_id is None else f"Log channel set to <#{channel_id}>"
        async with transaction(self._db):
            await guilds_sql.ensure(self._db, guild_id, self._clock())
            await guilds_sql.set_log_channel(self._db, guild_id, channel_id)
            entry = await self._audit.write(guild_id, actor_id, AuditAction.SET_LOG_CHANNEL, detail)
        self._audit.publish(entry)
        return await self.config(guild_id)

    async def record_tip_posted(self, guild_id: int, actor_id: int, tip_id: str, channel_id: int) -> AuditEntry:
        """Audit /tips post, which changes nothing stored; call it after Discord accepted the message."""
        async with transaction(self._db):
            entry = await self._audit.write(
                guild_id, actor_id, AuditAction.POST_TIP, f"Posted tip {tip_id} in <#{channel_id}>"
            )
        self._audit.publish(entry)
        return entry

    async def claim_check_post(self, guild_id: int, actor_id: int, message_id: int, faq_id: str) -> bool:
        """True for the one click that may post this checked answer under this message; False once it is
        posted (or being posted), so a double click posts once. Call `release_check_post` if the post fails."""
        async with transaction(self._db):
            await guilds_sql.ensure(self._db, guild_id, self._clock())
            return await posted_sql.claim(self._db, guild_id, message_id, faq_id, actor_id, self._clock())

    async def release_check_post(self, guild_id: int, message_id: int, faq_id: str) -> None:
        async with transaction(self._db):
            await posted_sql.release(self._db, guild_id, message_id, faq_id)

    async def recent_actions(self, guild_id: int, limit: int = RECENT_SHOWN) -> list[AuditEntry]:
        """The last moderator actions in this server, newest first (20 for /tips audit)."""
        return await self._audit.recent(guild_id, limit)

    async def mark_left(self, guild_id: int) -> None:
        """The bot left or was removed: keep the server's data for `retention`, then purge it."""
        async with transaction(self._db):
            await guilds_sql.ensure(self._db, guild_id, self._clock())
            await guilds_sql.mark_left(self._db, guild_id, self._clock())

    async def mark_joined(self, guild_id: int) -> None:
        """The bot is (back) in the server: its data is kept again, nothing is lost by a quick return."""
        async with transaction(self._db):
            await guilds_sql.mark_joined(self._db, guild_id)

    async def mark_absent_as_left(self, present: Collection[int]) -> list[int]:
        """Servers with data that the bot is no longer in (removed while it was offline, so no
        on_guild_remove arrived): mark them left, so they are purged after the retention period too."""
        async with transaction(self._db):
            stored = await guilds_sql.present_ids(self._db, self._shards)
            absent = [guild_id for guild_id in stored if guild_id not in present]
            for guild_id in absent:
                await guilds_sql.mark_left(self._db, guild_id, self._clock())
        return absent

    async def purge_departed(self, now: datetime) -> list[int]:
        """Delete every server the bot left at least `retention` ago; returns their ids."""
        cutoff, purged = now - self.retention, list[int]()

        async def delete_batch(db: Database, limit: int) -> int:
            batch = await guilds_sql.delete_left_before(db, cutoff, limit, self._shards)
            purged.extend(batch)
            return len(batch)

        await delete_in_batches(self._db, delete_batch, GUILDS_PER_BATCH)
        purged.sort()
        if purged:
            log.info("Purged the data of %s servers the bot left over %s ago", len(purged), self.retention)
        return purged
