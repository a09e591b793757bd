"""Where background deliveries (check-ins, daily tips) go on Discord, and whether they got there.

`find_own_message` is how a delivery cut off by a crash learns whether it got through: it searches
from shortly before the delivery was claimed, not a fixed number of recent messages, so a busy
channel cannot push the message out of view and cause a second send. `cached_guild` tells "this
server is not in the cache right now" (a reconnect) apart from "the channel is gone".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import discord

POST_PERMISSIONS = {"view_channel": "View Channel", "send_messages": "Send Messages", "embed_links": "Embed Links"}
THREAD_POST_PERMISSIONS = {
    "view_channel": "View Channel",
    "send_messages_in_threads": "Send Messages in Threads",
    "embed_links": "Embed Links",
}


READ_BACK_PERMISSIONS = {"read_message_history": "Read Message History"}


def missing_post_permissions(
    channel: discord.abc.GuildChannel | discord.Thread, *, read_back: bool = False
) -> list[str]:
    """Permissions the bot lacks to post an embed in `channel`, by their names in Discord's settings.

    `read_back`: the daily tip must be able to read the channel's history, because a retry after a crash
    looks there for the first copy. Without Read Message History Discord answers that search with no
    messages at all, so the retry would post a second copy (DailyTipPoster).
    """
    permissions = channel.permissions_for(channel.guild.me)
    needed = THREAD_POST_PERMISSIONS if isinstance(channel, discord.Thread) else POST_PERMISSIONS
    if read_back:
        needed = {**needed, **READ_BACK_PERMISSIONS}
    return [name for flag, name in needed.items() if not getattr(permissions, flag)]


class DeliveryDeferred(Exception):
    """Discord's state is not known right now (the server is not in the cache yet): try again later."""


def cached_guild(bot: discord.Client, guild_id: int) -> discord.Guild:
    """The server from the cache, or DeliveryDeferred while it is missing or unavailable."""
    guild = bot.get_guild(guild_id)
    if guild is None or guild.unavailable:
        raise DeliveryDeferred(f"server {guild_id} is not available right now")
    return guild


NONCE_WINDOW = timedelta(minutes=2)
"""Discord drops a repeated nonce for a few minutes; within this of a first send, resending is safe on its own."""
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
