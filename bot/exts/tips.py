"""/tip: one safety tip, at random or from a topic."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import KneadBot
from bot.exts._member import member_command
from bot.library.models import Tip
from bot.ui.embeds import tip_embed


class Tips(commands.Cog):
    def __init__(self, bot: KneadBot) -> None:
        self.bot = bot
        self.library = bot.library

    async def _server_tips(self, guild_id: int | None) -> list[Tip]:
        """In a server, its own tips join the built-in ones; in DMs there are none."""
        return await self.bot.server_tips.all_as_library_tips(guild_id) if guild_id else []

    @app_commands.command(name="tip")
    @member_command
    async def tip(self, interaction: discord.Interaction, topic: app_commands.Range[str, 1, 40] | None = None) -> None:
        """Show a leg-massage safety tip.

        Args:
            topic: A theme such as pressure or aftercare; leave empty for any tip.
        """
        tip = self.library.pick_tip(topic, await self._server_tips(interaction.guild_id))
        await interaction.response.send_message(embed=tip_embed(tip))

    @tip.autocomplete("topic")
    async def _topic_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        typed = current.lower().strip()
        topics = self.library.topics(await self._server_tips(interaction.guild_id))
        return [app_commands.Choice(name=t, value=t) for t in topics if typed in t][:25]


async def setup(bot: KneadBot) -> None:
    await bot.add_cog(Tips(bot))
