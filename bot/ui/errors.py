"""What a member reads when something goes wrong, for commands and for buttons alike."""

from __future__ import annotations

import secrets

import discord
from discord import app_commands

from bot.errors import KneadError
from bot.log import get_logger

log = get_logger(__name__)


def error_reply(error: BaseException, where: str) -> str:
    """A KneadError's own text; anything else is logged with a reference id the member can quote."""
    if isinstance(error, KneadError):
        return str(error)
    reference = secrets.token_hex(4)
    log.error("Unhandled error in %s [ref %s]", where, reference, exc_info=error)
    return f"Sorry, something went wrong on our side. It has been logged (reference `{reference}`)."


MESSAGE_LIMIT = 2000
"""Discord refuses longer message content; an error reply must always get through."""


async def reply_privately(interaction: discord.Interaction, text: str) -> None:
    """Answer privately whether or not the interaction was already answered; never raises for Discord."""
    text = text[:MESSAGE_LIMIT]
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException:
        log.warning("Could not tell the member about an error in interaction %s", interaction.id)


class CommandRefused(app_commands.CheckFailure):
    """A command check said no; the message (from a KneadError) tells the member why."""
