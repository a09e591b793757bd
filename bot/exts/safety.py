"""/safety: a short check before a massage, answered privately."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import KneadBot
from bot.exts._member import member_command
from bot.ui.binding import bind
from bot.ui.embeds import safety_intro_embed
from bot.ui.views import SafetyMenu


class Safety(commands.Cog):
    def __init__(self, bot: KneadBot) -> None:
        self.bot, self.library = bot, bot.library
        self.menu = bind(SafetyMenu, content=bot.library)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(self.menu)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(self.menu)

    @app_commands.command(name="safety")
    @member_command
    async def safety(self, interaction: discord.Interaction) -> None:
        """A quick, private check for reasons to avoid or delay a leg massage (not a diagnosis)."""
        view = self.menu.make_view(interaction.user.id, self.library.safety)
        await interaction.response.send_message(
            embed=safety_intro_embed(self.library.safety), view=view, ephemeral=True
        )


async def setup(bot: KneadBot) -> None:
    await bot.add_cog(Safety(bot))
