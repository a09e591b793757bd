"""Right-click a message, Apps, "Check with kneadbot": what careful sources say about its claim.

The message comes with the interaction, so the bot needs no privileged intent to read it. The answer is
private; a moderator also gets a button that posts it publicly as a reply (bot/ui/check_message.py).
"""

from __future__ import annotations

from typing import cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import KneadBot
from bot.exts._member import member_command
from bot.ui.check_message import NOTHING_CHECKED, PostCheckButton, checked_embed, post_view
from bot.ui.moderators import is_moderator

COMMAND_NAME = "Check with kneadbot"


@member_command
async def check_with_kneadbot(interaction: discord.Interaction, message: discord.Message) -> None:
    bot = cast(KneadBot, interaction.client)
    entry = bot.library.check_message(message.content)
    if entry is None:
        await interaction.response.send_message(NOTHING_CHECKED, ephemeral=True)
        return
    if await is_moderator(interaction):
        view = post_view(entry.id, message.id)
        await interaction.response.send_message(embed=checked_embed(entry), view=view, ephemeral=True)
        return
    await interaction.response.send_message(embed=checked_embed(entry), ephemeral=True)


class CheckMessage(commands.Cog):
    def __init__(self, bot: KneadBot) -> None:
        self.bot = bot
        self.menu = app_commands.ContextMenu(name=COMMAND_NAME, callback=check_with_kneadbot)

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.menu)
        self.bot.add_dynamic_items(PostCheckButton)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)
        self.bot.remove_dynamic_items(PostCheckButton)


async def setup(bot: KneadBot) -> None:
    await bot.add_cog(CheckMessage(bot))
