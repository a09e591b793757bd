"""Right-click a message, Apps, "Check with kneadbot": what careful sources say about its claim.

The message comes with the interaction, so the bot needs no privileged intent to read it. The answer is
private; a moderator also gets a button that posts it publicly as a reply (bot/ui/check_message.py).
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import KneadBot
from bot.exts._member import member_command
from bot.exts._services import audit_trail, guild_service
from bot.guilds.service import GuildService
from bot.ui.binding import bind
from bot.ui.check_message import NOTHING_CHECKED, PostCheckButton, checked_embed
from bot.ui.moderators import is_moderator

COMMAND_NAME = "Check with kneadbot"


class CheckMessage(commands.Cog):
    def __init__(self, bot: KneadBot, servers: GuildService) -> None:
        self.bot, self.library, self.servers = bot, bot.library, servers
        self.menu = member_command(app_commands.ContextMenu(name=COMMAND_NAME, callback=self.check_with_kneadbot))
        self.post_button = bind(PostCheckButton, content=bot.library, moderators=servers, posts=servers)

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.menu)
        self.bot.add_dynamic_items(self.post_button)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)
        self.bot.remove_dynamic_items(self.post_button)

    async def check_with_kneadbot(self, interaction: discord.Interaction, message: discord.Message) -> None:
        entry = self.library.check_message(message.content)
        if entry is None:
            await interaction.response.send_message(NOTHING_CHECKED, ephemeral=True)
            return
        if await is_moderator(interaction, self.servers):
            view = self.post_button.make_view(entry.id, message.id)
            await interaction.response.send_message(embed=checked_embed(entry), view=view, ephemeral=True)
            return
        await interaction.response.send_message(embed=checked_embed(entry), ephemeral=True)


async def setup(bot: KneadBot) -> None:
    await bot.add_cog(CheckMessage(bot, guild_service(bot, audit_trail(bot))))
