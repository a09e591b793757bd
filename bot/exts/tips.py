"""/tip: one safety tip, at random or from a topic."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import KneadBot
from bot.exts._choices import server_tips, topic_choices
from bot.exts._member import member_command
from bot.exts._services import audit_trail, guild_tip_service
from bot.guilds.tips import GuildTipService
from bot.ui.embeds import tip_embed


class Tips(commands.Cog):
    def __init__(self, bot: KneadBot, server_tips: GuildTipService) -> None:
        self.library, self.server_tips = bot.library, server_tips

    @app_commands.command(name="tip")
    @member_command
    async def tip(self, interaction: discord.Interaction, topic: app_commands.Range[str, 1, 40] | None = None) -> None:
        """Show a leg-massage safety tip.

        Args:
            topic: A theme such as pressure or aftercare; leave empty for any tip.
        """
        tip = self.library.pick_tip(topic, await server_tips(self.server_tips, interaction.guild_id))
        await interaction.response.send_message(embed=tip_embed(tip))

    @tip.autocomplete("topic")
    async def _topic_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await topic_choices(self.library, self.server_tips, interaction, current)


async def setup(bot: KneadBot) -> None:
    await bot.add_cog(Tips(bot, guild_tip_service(bot, audit_trail(bot))))
