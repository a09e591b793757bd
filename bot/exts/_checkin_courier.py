"""CheckinCourier: turns one claimed check-in into a Discord message and says how it went.

Delivery order: the member's DM (one request when the DM channel id is cached), else the server
channel the session was logged in, mentioning only that member, else Undeliverable so the member
is told next time. A DM refused with code 50007 is remembered (bot/checkins/dm_status.py), and while
it stands the DM is not tried at all: each refusal is a 403 counting toward Cloudflare's ban. That
one fact is the courier's only write; the check-in row itself is still settled by the runner.
Discord's rate limits (429) are waited out by discord.py itself; server errors
that outlast its retries, and a server missing from the cache, are RetryLater. The courier settles
nothing: bot/jobs/runner.py records the outcome, applies the backoff and counts the metric. Every
send carries the row's nonce, so a resend after a crash is dropped by Discord instead of doubling.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta

import aiohttp
import discord

from bot.checkins.dm_status import DmStatus
from bot.checkins.models import DueCheckin
from bot.clock import Clock
from bot.exts._channels import (
    NONCE_WINDOW,
    DeliveryDeferred,
    cached_guild,
    find_own_message,
    missing_post_permissions,
)
from bot.jobs.outcomes import HandOver, Outcome, RetryLater, Sent, Undeliverable
from bot.models.shards import ShardSlice, shard_of
from bot.ui.checkin_buttons import CheckinButton
from bot.ui.checkins import checkin_embed, checkin_id_in
from bot.ui.services import Content
from bot.wakeable_timer import MAX_SLEEP

PASSING_ERRORS = (discord.DiscordServerError, aiohttp.ClientError, TimeoutError, DeliveryDeferred)
DMS_CLOSED = "DMs closed and no server channel to post in"
CANNOT_MESSAGE_USER = 50007
"""Discord's error code for a DM the member does not accept (closed DMs, blocked bot, no shared server)."""
HANDOVER_POLL = timedelta(seconds=5)


def handover_poll(shards: ShardSlice | None) -> timedelta:
    """The longest the check-in runner sleeps. With the shards split between processes, another process
    may hand this one a check-in (HandOver); its NOTIFY wakes this one at once, and this poll (one cheap
    query every HANDOVER_POLL) is the backstop for a notification lost while the listener reconnects."""
    return MAX_SLEEP if shards is None else HANDOVER_POLL


class CheckinCourier:
    """The check-in Sender for bot.jobs: `send` a fresh claim, `resend` one a stopped process left."""

    def __init__(
        self,
        client: discord.Client,
        content: Content,
        buttons: type[CheckinButton],
        *,
        clock: Clock,
        dms: DmStatus,
    ) -> None:
        """`buttons`: the CheckinButton class the check-ins cog registered (bot/ui/binding.py)."""
        self._client, self._content, self._buttons, self._clock = client, content, buttons, clock
        self._dms = dms
        self._opening: dict[int, asyncio.Future[discord.DMChannel]] = {}

    async def send(self, item: DueCheckin) -> Outcome:
        if item.handed_over:  # a previous owner of its server's shard may have posted it, then died
            return await self._send_unless_found(item, since=item.due_at)
        return await self._send_now(item)

    async def resend(self, item: DueCheckin) -> Outcome:
        """Past the nonce window Discord would take a second copy: look for the first one before sending."""
        return await self._send_unless_found(item, since=item.due_at if item.handed_over else item.claimed_at)

    async def _send_unless_found(self, item: DueCheckin, since: datetime) -> Outcome:
        """Send, unless a copy sent since `since` is found; a copy could only have been sent after
        `since`, so within the nonce window of it Discord drops a repeat and no search is needed."""
        if self._clock() - since > NONCE_WINDOW:
            try:
                found = await self._find_sent(item, since)
            except PASSING_ERRORS as error:
                return RetryLater(type(error).__name__)
            if found is not None:
                return Sent(found.channel.id, found.id)
        return await self._send_now(item)

    async def _send_now(self, item: DueCheckin) -> Outcome:
        try:
            message = await self._send(item)
        except PASSING_ERRORS as error:
            return RetryLater(type(error).__name__)
        if message is None:
            return Undeliverable(DMS_CLOSED)
        if isinstance(message, HandOver):
            return message
        return Sent(message.channel.id, message.id)

    async def _send(self, due: DueCheckin) -> discord.Message | HandOver | None:
        embed = checkin_embed(due, self._content.checkin_texts, self._clock())
        view = self._buttons.make_view(due.checkin_id)
        if self._dms.is_closed(due.user_id, due.dms_closed_at):
            return await self._post_in_server(due, embed, view)  # known refused: no DM, no 403
        try:
            dm = await self._dm_channel(due)
            return await dm.send(embed=embed, view=view, nonce=due.nonce)
        except (discord.Forbidden, discord.NotFound) as refused:
            if refused.code == CANNOT_MESSAGE_USER:
                await self._dms.remember_closed(due.user_id)
            return await self._post_in_server(due, embed, view)

    async def _post_in_server(
        self, due: DueCheckin, embed: discord.Embed, view: discord.ui.View
    ) -> discord.Message | HandOver | None:
        """The fallback: the session's server channel, pinging only the member; None when there is none.
        A server on another process's shard is handed to that process: only it has the channel cached."""
        if due.guild_id is not None and not self._holds(due.guild_id):
            return HandOver(due.guild_id)
        channel = await self._fallback_channel(due)
        if channel is None:
            return None
        only_them = discord.AllowedMentions(everyone=False, roles=False, users=[discord.Object(due.user_id)])
        try:
            return await channel.send(
                f"<@{due.user_id}>", embed=embed, view=view, nonce=due.nonce, allowed_mentions=only_them
            )
        except (discord.Forbidden, discord.NotFound):
            return None  # the cache said we could post there, Discord says no: nowhere left to try

    async def _dm_channel(self, due: DueCheckin) -> discord.PartialMessageable:
        channel_id = due.dm_channel_id
        if channel_id is None:
            channel_id = await self._open_dm(due.user_id)  # CheckinJob stores it once a message landed there
        return self._client.get_partial_messageable(channel_id, type=discord.ChannelType.private)

    async def _open_dm(self, user_id: int) -> int:
        """The member's DM channel id, opened once however many of their check-ins are sent side by side.

        Concurrent sends of one first-time member's check-ins would each open the channel (a request
        apiece from the shared budget): the first opens it, the others await the same request, and later
        ones find it in discord.py's private-channel cache (Client.create_dm looks there first).
        """
        opening = self._opening.get(user_id)
        if opening is None:
            opening = asyncio.ensure_future(self._client.create_dm(discord.Object(user_id)))
            self._opening[user_id] = opening
            opening.add_done_callback(lambda _: self._opening.pop(user_id, None))
        return (await asyncio.shield(opening)).id

    def _holds(self, guild_id: int) -> bool:
        """Whether this process runs the server's shard (KNEADBOT_SHARD_IDS), so has it in its cache."""
        shard_ids, shard_count = getattr(self._client, "shard_ids", None), self._client.shard_count
        return shard_ids is None or shard_count is None or shard_of(guild_id, shard_count) in shard_ids

    async def _fallback_channel(self, due: DueCheckin) -> discord.TextChannel | discord.Thread | None:
        """The server channel the session was logged in, if the bot can post there and the member,
        still in that server, can see it: a health question is never posted where its owner can't read it."""
        if due.channel_id is None or due.guild_id is None:
            return None
        guild = cached_guild(self._client, due.guild_id)
        channel = guild.get_channel_or_thread(due.channel_id)
        if not isinstance(channel, discord.TextChannel | discord.Thread) or missing_post_permissions(channel):
            return None
        try:
            member = guild.get_member(due.user_id) or await guild.fetch_member(due.user_id)
        except (discord.NotFound, discord.Forbidden):
            return None
        return channel if channel.permissions_for(member).view_channel else None

    async def _find_sent(self, due: DueCheckin, since: datetime) -> discord.Message | None:
        """Look for this check-in's own message where it could have gone since `since`.

        A server channel the bot cannot read the history of answers with no messages, so a copy there is
        not found and a second may be posted: for a recovery check-in that is the lesser harm than none
        (unlike the daily tip, which past the nonce window gives that day up instead)."""
        channels: list[discord.abc.Messageable] = []
        with contextlib.suppress(discord.HTTPException):  # no DM channel: only the server channel is left
            channels.append(await self._dm_channel(due))
        held = due.guild_id is None or self._holds(due.guild_id)  # else the owning process looks there
        if held and (fallback := await self._fallback_channel(due)) is not None:
            channels.append(fallback)

        def is_this_checkin(message: discord.Message) -> bool:
            return any(checkin_id_in(embed) == due.checkin_id for embed in message.embeds)

        for channel in channels:
            try:
                found = await find_own_message(channel, self._client.user, since, is_this_checkin)
            except (discord.Forbidden, discord.NotFound):
                continue
            if found is not None:
                return found
        return None
