"""/safety: a short check before a massage, answered privately."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import KneadBot
from bot.exts._member import member_command
from bot.library.library import Library
from bot.ui.embeds import safety_intro_embed
from bot.ui.views import safety_view


class Safety(commands.Cog):
    def __init__(self, library: Library) -> None:
        self.library = library

    @app_commands.command(name="safety")
    @member_command
    async def safety(self, interaction: discord.Interaction) -> None:
        """A quick, private check for reasons to avoid or delay a leg massage (not a diagnosis)."""
        view = safety_view(interaction.user.id, self.library.safety)
        await interaction.response.send_message(
            embed=safety_intro_embed(self.library.safety), view=view, ephemeral=True
        )


async def setup(bot: KneadBot) -> None:
    await bot.add_cog(Safety(bot.library))
