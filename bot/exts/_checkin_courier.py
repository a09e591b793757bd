"""CheckinCourier: puts one claimed check-in in front of its member, and settles its row.

Delivery order: the member's DM (one request when the DM channel id is cached), else the server
channel the session was logged in, mentioning only that member, else "undeliverable" so the member
is told next time. Discord's rate limits (429) are waited out by discord.py itself; server errors
that outlast its retries put the row back with a growing delay. Every send carries the row's nonce,
so a resend after a crash is dropped by Discord instead of reaching the member twice.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

import aiohttp
import discord

from bot.checkins.delivery import retry_delay
from bot.checkins.models import CheckinState, DueCheckin
from bot.exts._channels import DeliveryDeferred, cached_guild, find_own_message, missing_post_permissions
from bot.log import get_logger
from bot.ui.checkin_buttons import checkin_view
from bot.ui.checkins import checkin_embed, checkin_id_in

if TYPE_CHECKING:
    from bot.app import KneadBot

NONCE_WINDOW = timedelta(minutes=2)
"""Discord drops a repeated nonce for a few minutes; within this, resending is safe on its own."""

log = get_logger(__name__)


class CheckinCourier:
    def __init__(self, bot: KneadBot) -> None:
        self.bot = bot
        self.delivery = bot.checkins.delivery

    async def deliver(self, due: DueCheckin) -> None:
        """Send `due` and record the result; never raises for a Discord answer."""
        try:
            message = await self._send(due)
        except (discord.DiscordServerError, aiohttp.ClientError, TimeoutError, DeliveryDeferred) as error:
            state = await self.delivery.retry_later(due.checkin_id, self.bot.clock() + retry_delay(due.attempt))
            if state is CheckinState.FAILED:
                self.bot.metrics.checkin_failed()
            log.warning("Check-in %s not delivered (%s); now %s", due.checkin_id, type(error).__name__, state)
            return
        if message is None:
            if await self.delivery.mark_undeliverable(due.checkin_id, "DMs closed and no server channel to post in"):
                self.bot.metrics.checkin_undeliverable()
            log.info("Check-in %s undeliverable: DMs closed", due.checkin_id)
            return
        if await self.delivery.mark_sent(due.checkin_id, message.channel.id, message.id):
            self.bot.metrics.checkin_sent(due.late_by)

    async def reconcile(self, stale: Sequence[DueCheckin]) -> None:
        """Settle rows a crash left in "sending": found in the channel means sent, else send again.

        Each row is settled on its own: one that cannot be settled now is put back to retry later,
        so it can never keep the others (or the scheduler) from running.
        """
        for due in stale:
            try:
                await self._reconcile_one(due)
            except Exception:
                log.exception("Could not settle check-in %s after a restart; retrying later", due.checkin_id)
                await self.delivery.retry_later(due.checkin_id, self.bot.clock() + retry_delay(due.attempt))

    async def _reconcile_one(self, due: DueCheckin) -> None:
        if self.bot.clock() - due.claimed_at > NONCE_WINDOW:
            found = await self._find_sent(due)
            if found is not None:
                if await self.delivery.mark_sent(due.checkin_id, found.channel.id, found.id):
                    self.bot.metrics.checkin_sent(due.late_by)
                return
        await self.deliver(due)

    async def _send(self, due: DueCheckin) -> discord.Message | None:
        embed, view = checkin_embed(due, self.bot.library.checkin_texts, self.bot.clock()), checkin_view(due.checkin_id)
        try:
            dm = await self._dm_channel(due)
            return await dm.send(embed=embed, view=view, nonce=due.nonce)
        except (discord.Forbidden, discord.NotFound):
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
            data = await self.bot.http.start_private_message(due.user_id)
            channel_id = int(data["id"])
            await self.delivery.remember_dm_channel(due.user_id, channel_id)
        return self.bot.get_partial_messageable(channel_id, type=discord.ChannelType.private)

    async def _fallback_channel(self, due: DueCheckin) -> discord.TextChannel | discord.Thread | None:
        """The server channel the session was logged in, if the bot can post there and the member,
        still in that server, can see it: a health question is never posted where its owner can't read it."""
        if due.channel_id is None or due.guild_id is None:
            return None
        guild = cached_guild(self.bot, due.guild_id)
        channel = guild.get_channel_or_thread(due.channel_id)
        if not isinstance(channel, discord.TextChannel | discord.Thread) or missing_post_permissions(channel):
            return None
        try:
            member = guild.get_member(due.user_id) or await guild.fetch_member(due.user_id)
        except (discord.NotFound, discord.Forbidden):
            return None
        return channel if channel.permissions_for(member).view_channel else None

    async def _find_sent(self, due: DueCheckin) -> discord.Message | None:
        """Look for this check-in's own message where it could have gone since it was claimed."""
        channels: list[discord.abc.Messageable] = []
        with contextlib.suppress(discord.HTTPException):  # no DM channel: only the server channel is left
            channels.append(await self._dm_channel(due))
        if (fallback := await self._fallback_channel(due)) is not None:
            channels.append(fallback)

        def is_this_checkin(message: discord.Message) -> bool:
            return any(checkin_id_in(embed) == due.checkin_id for embed in message.embeds)

        for channel in channels:
            try:
                found = await find_own_message(channel, self.bot.user, due.claimed_at, is_this_checkin)
            except (discord.Forbidden, discord.NotFound):
                continue
            if found is not None:
                return found
        return None
