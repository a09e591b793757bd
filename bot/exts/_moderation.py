"""What every moderator command shares: the moderator check, run by the bot itself, and channel checks.

Discord hides commands behind default permissions, but that is a convenience a server can change;
`moderator_only` asks GuildService on every call (Manage Server, or the server's moderator role).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar, runtime_checkable

import discord
from discord import app_commands

from bot.errors import KneadError
from bot.exts._channels import missing_post_permissions
from bot.ui.errors import CommandRefused
from bot.ui.moderators import check_moderator
from bot.ui.services import ModeratorCheck

T = TypeVar("T")


@runtime_checkable
class ModeratedCog(Protocol):
    """A cog with moderator commands: it built the GuildService that decides who is a moderator."""

    servers: ModeratorCheck


async def _is_moderator(interaction: discord.Interaction) -> bool:
    """Asks the cog the command belongs to (discord.py's `binding`), never the client; the check itself
    is the one in bot/ui/moderators.py that the buttons run too."""
    cog = interaction.command.binding if isinstance(interaction.command, app_commands.Command) else None
    if not isinstance(cog, ModeratedCog):
        raise TypeError(f"moderator commands belong to a cog with `servers`, not {type(cog).__name__}")
    try:
        await check_moderator(interaction, cog.servers)
    except KneadError as refusal:
        raise CommandRefused(str(refusal)) from refusal
    return True


def moderator_command(func: T) -> T:
    """Visible to Manage Server by default, offered in servers only, and checked by the bot on every call."""
    decorators: list[Callable[[T], T]] = [
        app_commands.check(_is_moderator),
        app_commands.allowed_contexts(guilds=True, dms=False, private_channels=False),
    ]
    for decorate in decorators:
        func = decorate(func)
    return func


def cannot_post_reason(channel: discord.abc.GuildChannel | discord.Thread, *, read_back: bool = False) -> str | None:
    """Why the bot cannot post in `channel`, naming the missing permissions (`read_back`: see
    missing_post_permissions)."""
    missing = missing_post_permissions(channel, read_back=read_back)
    if not missing:
        return None
    return f"I can't post in {channel.mention}: I'm missing the {', '.join(missing)} permission there."


def server_id(interaction: discord.Interaction) -> int:
    """The server a moderator command runs in; `moderator_command` has already refused DMs."""
    if interaction.guild_id is None:
        raise CommandRefused("That command only works in a server.")
    return interaction.guild_id


def cannot_post_for(
    channel: discord.TextChannel, moderator: discord.abc.User, *, read_back: bool = False
) -> str | None:
    """Why the bot won't post in `channel` for this moderator: it can't, or the moderator can't.

    A moderator-role holder must not be able to make the bot speak where they may not speak.
    """
    if reason := cannot_post_reason(channel, read_back=read_back):
        return reason
    if isinstance(moderator, discord.Member) and not channel.permissions_for(moderator).send_messages:
        return f"You can't post in {channel.mention} yourself, so I won't post there for you."
    return None
