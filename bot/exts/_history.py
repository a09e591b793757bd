"""Finding the bot's own message in a channel: how a delivery cut off by a crash learns whether it got through.

The search runs from shortly before the delivery was claimed, not over a fixed number of recent
messages, so a busy channel cannot push the message out of view and cause a second send.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import discord

SEARCH_MARGIN = timedelta(minutes=2)
"""Clocks differ a little between the bot and Discord: look this far before the claim too."""
SEARCH_LIMIT = 1000


async def find_own_message(
    channel: discord.abc.Messageable,
    bot_user: discord.abc.User | None,
    since: datetime,
    matches: Callable[[discord.Message], bool],
) -> discord.Message | None:
    """The bot's first message in `channel` after `since` (less a margin) for which `matches` is true."""
    if bot_user is None:
        return None
    async for message in channel.history(limit=SEARCH_LIMIT, after=since - SEARCH_MARGIN, oldest_first=True):
        if message.author.id == bot_user.id and matches(message):
            return message
    return None
