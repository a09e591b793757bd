"""/config: who counts as a moderator, where moderator actions are logged, and the server's settings."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import KneadBot
from bot.exts._moderation import cannot_post_for, moderator_command, server_id
from bot.exts._services import audit_trail, daily_tip_service, guild_service
from bot.ui.errors import CommandRefused
from bot.ui.moderation import config_embed
from bot.ui.replies import answer, defer_write


@app_commands.default_permissions(manage_guild=True)
@app_commands.allowed_contexts(guilds=True, dms=False, private_channels=False)
class Config(commands.GroupCog, group_name="config", group_description="kneadbot settings for this server."):
    def __init__(self, bot: KneadBot) -> None:
        audit = audit_trail(bot)
        self.servers, self.daily_tips = guild_service(bot, audit), daily_tip_service(bot, audit)
        super().__init__()

    @app_commands.command(name="mod-role")
    @moderator_command
    async def mod_role(self, interaction: discord.Interaction, role: discord.Role | None = None) -> None:
        """Let members with this role use moderator commands (leave empty to clear it).

        Args:
            role: The moderator role; members with Manage Server always count as moderators.
        """
        await defer_write(interaction)
        if not interaction.permissions.manage_guild:
            raise CommandRefused("Only members with Manage Server can choose the moderator role.")
        role_id = role.id if role is not None else None
        await self.servers.set_mod_role(server_id(interaction), interaction.user.id, role_id)
        text = "Moderator role cleared." if role is None else f"Moderator role is now {role.mention}."
        await answer(interaction, text, ephemeral=True)

    @app_commands.command(name="log-channel")
    @moderator_command
    async def log_channel(self, interaction: discord.Interaction, channel: discord.TextChannel | None = None) -> None:
        """Mirror moderator actions to a channel (leave empty to stop).

        Args:
            channel: Where to post each moderator action.
        """
        await defer_write(interaction)
        if channel is not None and (reason := cannot_post_for(channel, interaction.user)):
            await answer(interaction, reason, ephemeral=True)
            return
        channel_id = channel.id if channel is not None else None
        await self.servers.set_log_channel(server_id(interaction), interaction.user.id, channel_id)
        text = "Moderator actions are no longer mirrored." if channel is None else f"Logging to {channel.mention}."
        await answer(interaction, text, ephemeral=True)

    @app_commands.command(name="show")
    @moderator_command
    async def show(self, interaction: discord.Interaction) -> None:
        """Show this server's kneadbot settings."""
        config = await self.servers.config(server_id(interaction))
        daily = await self.daily_tips.show(server_id(interaction))
        await interaction.response.send_message(embed=config_embed(config, daily), ephemeral=True)


async def setup(bot: KneadBot) -> None:
    await bot.add_cog(Config(bot))
