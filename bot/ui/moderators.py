"""The one moderator check every moderator action runs: commands, the tip-remove prompt and the
"Post this in the channel" button. Decided on every call by the GuildService the caller was given
(GuildService.check_moderator), from Manage Server or the server's moderator role, never from what
Discord chose to show.

It lives in bot/ui (not bot/exts) because bot/ui's buttons need it and bot/ui must not import bot/exts.
It takes the service rather than the client: the UI never reaches for the bot (bot/ui/services.py).
"""

from __future__ import annotations

import discord

from bot.errors import KneadError
from bot.ui.services import ModeratorCheck


async def check_moderator(interaction: discord.Interaction, moderators: ModeratorCheck) -> int:
    """The server's id when the clicker or caller is a moderator there; raises ServerOnly in DMs, else
    NotModerator (both KneadErrors, whose text the member reads)."""
    roles = interaction.user.roles if isinstance(interaction.user, discord.Member) else []
    return await moderators.check_moderator(
        interaction.guild_id,
        has_manage_guild=interaction.permissions.manage_guild,
        role_ids=[role.id for role in roles],
    )


async def is_moderator(interaction: discord.Interaction, moderators: ModeratorCheck) -> bool:
    """`check_moderator` as a yes/no, for deciding what to offer (a refusal is not an error there)."""
    try:
        await check_moderator(interaction, moderators)
    except KneadError:
        return False
    return True
