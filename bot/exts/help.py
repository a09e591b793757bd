"""/help: what kneadbot does, its disclaimer and where its facts come from."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import KneadBot
from bot.exts._member import member_command
from bot.library.library import Library
from bot.ui.embeds import help_embed


class Help(commands.Cog):
    def __init__(self, library: Library) -> None:
        self.library = library

    @app_commands.command(name="help")
    @member_command
    async def help(self, interaction: discord.Interaction) -> None:
        """What kneadbot does, and where its facts come from."""
        await interaction.response.send_message(embed=help_embed(self.library), ephemeral=True)


async def setup(bot: KneadBot) -> None:
    await bot.add_cog(Help(bot.library))
