"""Autocomplete and lookups that several cogs share: time zones, and the tips that apply in a server."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.checkins.timezones import timezone_suggestions
from bot.guilds.tips import GuildTipService
from bot.library.library import Library
from bot.library.models import Tip


async def timezone_choices(_interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """IANA zone names matching what was typed (for any `timezone` option)."""
    return [app_commands.Choice(name=zone, value=zone) for zone in timezone_suggestions(current[:64])]


async def server_tips(tips: GuildTipService, guild_id: int | None) -> list[Tip]:
    """In a server, its own tips join the built-in ones; in DMs there are none."""
    return await tips.all_as_library_tips(guild_id) if guild_id else []


async def topic_choices(
    library: Library, tips: GuildTipService, interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Tip topics here (built-in and this server's own) containing what was typed."""
    typed = current.lower().strip()
    topics = library.topics(await server_tips(tips, interaction.guild_id))
    return [app_commands.Choice(name=t, value=t) for t in topics if typed in t][:25]
