"""/daily-tip: one tip a day in a channel, at a local time, posted by a scheduler that survives restarts."""

from __future__ import annotations

import asyncio
from datetime import date

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import KneadBot
from bot.checkins.timezones import zone_named
from bot.daily.models import DailyClaim, DailyPost, ScheduleState
from bot.daily.schedule import local_date_at
from bot.daily.scheduler import DailyTipScheduler
from bot.exts._channels import cached_guild, find_own_message
from bot.exts._choices import timezone_choices
from bot.exts._moderation import cannot_post_for, cannot_post_reason, moderator_command, server_id
from bot.library.models import Tip
from bot.log import get_logger
from bot.ui.embeds import DISCLAIMER, tip_embed
from bot.ui.moderation import daily_status_text
from bot.ui.replies import answer, defer_write

DAILY_FOOTER = "Tip of the day for {date:%Y-%m-%d}"

log = get_logger(__name__)


@app_commands.default_permissions(manage_guild=True)
@app_commands.allowed_contexts(guilds=True, dms=False, private_channels=False)
class DailyTip(commands.GroupCog, group_name="daily-tip", group_description="A tip every day in a channel."):
    def __init__(self, bot: KneadBot) -> None:
        self.bot = bot
        self.scheduler = DailyTipScheduler(bot.daily_tips, self.post, clock=bot.clock, recover=self.recover)
        self._starting: asyncio.Task[None] | None = None
        super().__init__()

    async def cog_load(self) -> None:
        if self.bot.background_jobs:
            self._starting = asyncio.create_task(self._start_when_ready(), name="daily-tip-start")

    async def cog_unload(self) -> None:
        if self._starting is not None:
            self._starting.cancel()
        await self.scheduler.stop()

    async def _start_when_ready(self) -> None:
        await self.bot.wait_until_ready()  # channels and permissions are known only after READY
        self.scheduler.start()

    async def post(self, claim: DailyClaim) -> None:
        """Post the day's tip, or turn the schedule off saying why when the channel or a permission is gone."""
        channel = cached_guild(self.bot, claim.guild_id).get_channel(claim.channel_id)  # raises while reconnecting
        if not isinstance(channel, discord.TextChannel):
            await self.bot.daily_tips.disable(claim.guild_id, "The channel was deleted or I can no longer see it.")
            return
        if reason := cannot_post_reason(channel):
            await self.bot.daily_tips.disable(claim.guild_id, reason)
            return
        try:
            message = await channel.send(embed=daily_embed(claim.tip, claim.local_date), nonce=claim.nonce)
        except (discord.Forbidden, discord.NotFound) as error:
            await self.bot.daily_tips.disable(claim.guild_id, f"Discord refused the post ({error.status}).")
            return
        await self._record_posted(claim.guild_id, claim.local_date, message.id)

    async def recover(self, stale: DailyPost) -> None:
        """A post cut off by a crash: if Discord has it, record it; if not and the day is not over, post it.

        The message is found by the date in its footer, so a tip that did go out is never posted again.
        """
        channel = cached_guild(self.bot, stale.guild_id).get_channel(stale.channel_id)
        if not isinstance(channel, discord.TextChannel) or cannot_post_reason(channel):
            return
        found = await self._find_posted(channel, stale)
        if found is not None:
            await self._record_posted(stale.guild_id, stale.local_date, found.id)
            return
        if not await self._is_still_that_day(stale):
            return  # the day is over: a late tip would be a second one tomorrow
        own = await self.bot.server_tips.all_as_library_tips(stale.guild_id)
        tip = self.bot.library.tip_by_id(stale.tip_id, own)
        message = await channel.send(embed=daily_embed(tip, stale.local_date), nonce=stale.nonce)
        await self._record_posted(stale.guild_id, stale.local_date, message.id)

    async def _record_posted(self, guild_id: int, local_date: date, message_id: int) -> None:
        if await self.bot.daily_tips.mark_posted(guild_id, local_date, message_id):
            self.bot.metrics.daily_tip_posted()

    async def _find_posted(self, channel: discord.TextChannel, stale: DailyPost) -> discord.Message | None:
        marker = DAILY_FOOTER.format(date=stale.local_date)

        def is_that_days_tip(message: discord.Message) -> bool:
            return any((embed.footer.text or "").startswith(marker) for embed in message.embeds)

        return await find_own_message(channel, self.bot.user, stale.claimed_at, is_that_days_tip)

    async def _is_still_that_day(self, stale: DailyPost) -> bool:
        status = await self.bot.daily_tips.show(stale.guild_id)
        if status is None or status.schedule.state is not ScheduleState.ACTIVE:
            return False
        return local_date_at(self.bot.clock(), zone_named(status.schedule.timezone)) == stale.local_date

    @app_commands.command(name="set")
    @app_commands.autocomplete(timezone=timezone_choices)
    @moderator_command
    async def set_daily(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        time: app_commands.Range[str, 4, 5],
        timezone: app_commands.Range[str, 1, 64] | None = None,
    ) -> None:
        """Post one tip a day in a channel at a local time.

        Args:
            channel: Where the tip goes.
            time: Local time of day, such as 09:00.
            timezone: An IANA time zone such as Europe/London (default: as before, else UTC).
        """
        await defer_write(interaction)
        if reason := cannot_post_for(channel, interaction.user):
            await answer(interaction, reason, ephemeral=True)
            return
        status = await self.bot.daily_tips.set(
            server_id(interaction), interaction.user.id, channel_id=channel.id, post_time=time, timezone=timezone
        )
        await answer(interaction, f"Daily tip set.\n{daily_status_text(status)}", ephemeral=True)

    @app_commands.command(name="show")
    @moderator_command
    async def show(self, interaction: discord.Interaction) -> None:
        """Where and when the daily tip is posted, or why it was turned off."""
        status = await self.bot.daily_tips.show(server_id(interaction))
        await interaction.response.send_message(daily_status_text(status), ephemeral=True)

    @app_commands.command(name="stop")
    @moderator_command
    async def stop(self, interaction: discord.Interaction) -> None:
        """Stop posting the daily tip."""
        await defer_write(interaction)
        stopped = await self.bot.daily_tips.stop(server_id(interaction), interaction.user.id)
        text = "The daily tip is stopped." if stopped else "There was no daily tip to stop."
        await answer(interaction, text, ephemeral=True)


def daily_embed(tip: Tip, local_date: date) -> discord.Embed:
    """The tip, titled as the tip of the day, with the date in the footer so a resend can be found."""
    embed = tip_embed(tip)
    embed.title = f"Tip of the day · {embed.title}"
    return embed.set_footer(text=f"{DAILY_FOOTER.format(date=local_date)} · {DISCLAIMER}")


async def setup(bot: KneadBot) -> None:
    await bot.add_cog(DailyTip(bot))
