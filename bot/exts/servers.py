"""Server lifecycle and the audit mirror: keep a server's data 30 days after the bot leaves, then purge it.

Also posts each moderator action to the server's log channel, when one is set.
"""

from __future__ import annotations

import discord
from discord.ext import commands

from bot.app import KneadBot
from bot.exts._background import BackgroundJobs
from bot.exts._moderation import cannot_post_reason
from bot.exts._services import audit_trail, guild_service
from bot.guilds.models import AuditEntry
from bot.jobs.housekeeping import Task, housekeeping_runner
from bot.log import get_logger
from bot.ui.moderation import audit_entry_embed

log = get_logger(__name__)


class Servers(commands.Cog):
    def __init__(self, bot: KneadBot) -> None:
        self.bot = bot
        self.servers = guild_service(bot, audit_trail(bot))
        self.jobs = BackgroundJobs(bot, enabled=bot.background_jobs)
        shards = bot.settings.shards  # each slice purges its own servers: only it sees one come back
        purge = Task("servers-purge" if shards is None else f"servers-purge-{shards.label}", self.purge_departed)
        self.housekeeping = housekeeping_runner(
            "servers-housekeeping",
            bot.database,
            [purge],
            clock=bot.clock,
            metrics=bot.metrics,
            on_asleep=self.jobs.announce_asleep,
        )
        self.jobs.add(self.housekeeping)

    async def cog_load(self) -> None:
        self.jobs.start_when_ready()

    async def cog_unload(self) -> None:
        await self.jobs.stop()

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        await self.servers.mark_left(guild.id)
        log.info("Left server %s: its data is kept 30 days", guild.id)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.servers.mark_joined(guild.id)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Catch up on servers that removed the bot while it was offline."""
        absent = await self.servers.mark_absent_as_left({guild.id for guild in self.bot.guilds})
        if absent:
            log.info("Removed from %s servers while offline: their data is kept 30 days", len(absent))

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        """A server that re-invited the bot while it was offline shows up here, not in on_guild_join."""
        await self.servers.mark_joined(guild.id)

    async def purge_departed(self) -> str:
        """Runs after READY only (BackgroundJobs): a server that re-invited the bot while it was offline
        is marked joined again (on_guild_available) before anything is purged. (GuildService logs it.)"""
        purged = await self.servers.purge_departed(self.bot.clock())
        return f"removed the data of {len(purged)} servers left over 30 days ago"

    @commands.Cog.listener()
    async def on_audit_recorded(self, entry: AuditEntry) -> None:
        """Any cog's committed audit entry (bot/exts/_services.py), in its own task: the command that
        recorded it never waits for the mirror."""
        config = await self.servers.config(entry.guild_id)
        channel = self.bot.get_channel(config.log_channel_id) if config.log_channel_id else None
        if not isinstance(channel, discord.TextChannel) or cannot_post_reason(channel):
            return
        try:
            await channel.send(embed=audit_entry_embed(entry))
        except discord.HTTPException as error:
            log.warning("Could not mirror audit entry %s to the log channel: %s", entry.id, error)


async def setup(bot: KneadBot) -> None:
    await bot.add_cog(Servers(bot))
