"""/technique: a step-by-step guide with Back / Next / Done buttons."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import KneadBot
from bot.exts._member import member_command
from bot.library.guides import StepCursor
from bot.ui.binding import bind
from bot.ui.embeds import guide_page_embed
from bot.ui.views import GuideButton


class Guides(commands.Cog):
    def __init__(self, bot: KneadBot) -> None:
        self.bot, self.library = bot, bot.library
        self.button = bind(GuideButton, content=bot.library)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(self.button)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(self.button)

    @app_commands.command(name="technique")
    @member_command
    async def technique(self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 100]) -> None:
        """Walk through a massage technique one step at a time.

        Args:
            name: Which guide: foot, calf, thigh or self-massage.
        """
        cursor = StepCursor(self.library.guide(name))
        view = self.button.make_view(interaction.user.id, cursor)
        await interaction.response.send_message(embed=guide_page_embed(cursor), view=view)

    @technique.autocomplete("name")
    async def _guide_choices(self, _interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=g.name, value=g.id) for g in self.library.guide_suggestions(current)]


async def setup(bot: KneadBot) -> None:
    await bot.add_cog(Guides(bot))
