"""The one moderator check every moderator action runs: commands, the tip-remove prompt and the
"Post this in the channel" button. Decided by the bot on every call (GuildService.check_moderator),
from Manage Server or the server's moderator role, never from what Discord chose to show.

It lives in bot/ui (not bot/exts) because bot/ui's buttons need it and bot/ui must not import bot/exts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import discord

from bot.errors import KneadError

if TYPE_CHECKING:
    from bot.app import KneadBot


async def check_moderator(interaction: discord.Interaction) -> int:
    """The server's id when the clicker or caller is a moderator there; raises ServerOnly in DMs, else
    NotModerator (both KneadErrors, whose text the member reads)."""
    bot = cast("KneadBot", interaction.client)
    roles = interaction.user.roles if isinstance(interaction.user, discord.Member) else []
    return await bot.servers.check_moderator(
        interaction.guild_id,
        has_manage_guild=interaction.permissions.manage_guild,
        role_ids=[role.id for role in roles],
    )


async def is_moderator(interaction: discord.Interaction) -> bool:
    """`check_moderator` as a yes/no, for deciding what to offer (a refusal is not an error there)."""
    try:
        await check_moderator(interaction)
    except KneadError:
        return False
    return True
