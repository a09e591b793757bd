"""/faq: answers from the checked FAQ, with suggestions while the member types."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import KneadBot
from bot.exts._member import member_command
from bot.library.library import Library
from bot.ui.embeds import faq_embed, faq_miss_embed


class Faq(commands.Cog):
    def __init__(self, library: Library) -> None:
        self.library = library

    @app_commands.command(name="faq")
    @member_command
    async def faq(self, interaction: discord.Interaction, question: app_commands.Range[str, 1, 100]) -> None:
        """Ask a common question about leg massage and safety.

        Args:
            question: Start typing and pick one of the suggested questions.
        """
        match = self.library.answer(question)
        if match.entry is None:
            await interaction.response.send_message(embed=faq_miss_embed(match.nearest), ephemeral=True)
            return
        await interaction.response.send_message(embed=faq_embed(match.entry))

    @faq.autocomplete("question")
    async def _question_choices(
        self, _interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        entries = self.library.faq_suggestions(current)
        return [app_commands.Choice(name=entry.question, value=entry.id) for entry in entries]


async def setup(bot: KneadBot) -> None:
    await bot.add_cog(Faq(bot.library))
