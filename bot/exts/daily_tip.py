"""/daily-tip: one tip a day in a channel, at a local time, posted by a scheduler that survives restarts."""

from __future__ import annotations

from datetime import date, timedelta

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import KneadBot
from bot.clock import Clock
from bot.daily.jobs import DAILY_BACKOFF, DailyTipJob
from bot.daily.models import DailyClaim
from bot.exts._background import BackgroundJobs
from bot.exts._channels import NONCE_WINDOW, cached_guild, find_own_message
from bot.exts._choices import timezone_choices
from bot.exts._moderation import cannot_post_for, cannot_post_reason, moderator_command, server_id
from bot.exts._services import audit_trail, daily_tip_service, guild_service
from bot.exts._wakeups import CrossProcessWakeups
from bot.jobs.outcomes import Failed, Outcome, Sent, Undeliverable
from bot.jobs.runner import JobRunner
from bot.library.models import Tip
from bot.log import get_logger
from bot.storage.notify import DAILY_TIPS
from bot.ui.embeds import DISCLAIMER, tip_embed
from bot.ui.moderation import daily_status_text
from bot.ui.replies import answer, defer_write

DAILY_FOOTER = "Tip of the day for {date:%Y-%m-%d}"
POST_TIMEOUT = timedelta(minutes=1)

log = get_logger(__name__)


@app_commands.default_permissions(manage_guild=True)
@app_commands.allowed_contexts(guilds=True, dms=False, private_channels=False)
class DailyTip(commands.GroupCog, group_name="daily-tip", group_description="A tip every day in a channel."):
    def __init__(self, bot: KneadBot) -> None:
        audit = audit_trail(bot)
        self.servers, self.daily_tips = guild_service(bot, audit), daily_tip_service(bot, audit)
        self.jobs = BackgroundJobs(bot, enabled=bot.background_jobs)
        self.runner = JobRunner(
            DailyTipJob(self.daily_tips, bot.metrics),
            DailyTipPoster(bot, clock=bot.clock),
            clock=bot.clock,
            policy=DAILY_BACKOFF,
            send_timeout=POST_TIMEOUT,
            concurrency=bot.settings.delivery_concurrency,
            on_asleep=self.jobs.announce_asleep,
        )
        self.jobs.add(self.runner)
        self.wakeups = CrossProcessWakeups(bot, DAILY_TIPS, self.runner.wake)  # set in another process
        super().__init__()

    async def cog_load(self) -> None:
        self.daily_tips.schedule_changes.add(self.runner.wake)
        await self.wakeups.start()
        self.jobs.start_when_ready()

    async def cog_unload(self) -> None:
        self.daily_tips.schedule_changes.remove(self.runner.wake)
        await self.wakeups.stop()
        await self.jobs.stop()

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
        if reason := cannot_post_for(channel, interaction.user, read_back=True):
            await answer(interaction, reason, ephemeral=True)
            return
        status = await self.daily_tips.set(
            server_id(interaction), interaction.user.id, channel_id=channel.id, post_time=time, timezone=timezone
        )
        await answer(interaction, f"Daily tip set.\n{daily_status_text(status)}", ephemeral=True)

    @app_commands.command(name="show")
    @moderator_command
    async def show(self, interaction: discord.Interaction) -> None:
        """Where and when the daily tip is posted, or why it was turned off."""
        status = await self.daily_tips.show(server_id(interaction))
        await interaction.response.send_message(daily_status_text(status), ephemeral=True)

    @app_commands.command(name="stop")
    @moderator_command
    async def stop(self, interaction: discord.Interaction) -> None:
        """Stop posting the daily tip."""
        await defer_write(interaction)
        stopped = await self.daily_tips.stop(server_id(interaction), interaction.user.id)
        text = "The daily tip is stopped." if stopped else "There was no daily tip to stop."
        await answer(interaction, text, ephemeral=True)


CANNOT_LOOK_BACK = (
    "I can't read that channel's history (Read Message History), so I couldn't check whether today's tip "
    "was already posted, and did not post it again"
)


class DailyTipPoster:
    """The daily tip's Sender for bot.jobs: posts a claimed day and reports how it went, nothing more.

    Read Message History is needed where a tip is set (`/daily-tip set` refuses a channel without it) and
    for a retry, which reads the channel back; a schedule whose channel loses it keeps posting first tries,
    and retries within the nonce window of the first claim (Discord drops a repeat), and fails only a day it
    would have to look back for (logged; the day stays unconfirmed or failed), keeping the schedule."""

    def __init__(self, client: discord.Client, *, clock: Clock) -> None:
        self._client, self._clock = client, clock

    async def send(self, claim: DailyClaim) -> Outcome:
        """A first try posts; a retry may come after Discord forgot the nonce, so it looks first."""
        if claim.attempt > 1:
            return await self.resend(claim)
        return await self._post(claim)

    async def resend(self, claim: DailyClaim) -> Outcome:
        """A post a stopped process (or an earlier try) may have made: found means sent; else post if
        the day is not over. The message is found by the date in its footer, so it is never posted twice."""
        channel = cached_guild(self._client, claim.guild_id).get_channel(claim.channel_id)
        if isinstance(channel, discord.TextChannel) and not cannot_post_reason(channel):
            if not cannot_post_reason(channel, read_back=True):
                found = await self._find_posted(channel, claim)
                if found is not None:
                    return Sent(channel.id, found.id)
            elif self._clock() - claim.claimed_at > NONCE_WINDOW:  # it may be there: never a second copy
                log.warning("Daily tip of guild %s for %s: %s", claim.guild_id, claim.local_date, CANNOT_LOOK_BACK)
                return Failed(CANNOT_LOOK_BACK)
        if not claim.may_post:
            return Failed("the day was over, or the daily tip stopped, before the tip could be posted")
        return await self._post(claim)

    async def _post(self, claim: DailyClaim) -> Outcome:
        """Post the day's tip; a channel or permission that is gone turns the schedule off, saying why."""
        channel = cached_guild(self._client, claim.guild_id).get_channel(claim.channel_id)  # raises while reconnecting
        if not isinstance(channel, discord.TextChannel):
            return Undeliverable("The channel was deleted or I can no longer see it.")
        if reason := cannot_post_reason(channel):
            return Undeliverable(reason)
        try:
            message = await channel.send(embed=daily_embed(claim.tip, claim.local_date), nonce=claim.nonce)
        except (discord.Forbidden, discord.NotFound) as error:
            return Undeliverable(f"Discord refused the post ({error.status}).")
        return Sent(channel.id, message.id)

    async def _find_posted(self, channel: discord.TextChannel, claim: DailyClaim) -> discord.Message | None:
        marker = DAILY_FOOTER.format(date=claim.local_date)

        def is_that_days_tip(message: discord.Message) -> bool:
            return any((embed.footer.text or "").startswith(marker) for embed in message.embeds)

        return await find_own_message(channel, self._client.user, claim.claimed_at, is_that_days_tip)


def daily_embed(tip: Tip, local_date: date) -> discord.Embed:
    """The tip, titled as the tip of the day, with the date in the footer so a resend can be found."""
    embed = tip_embed(tip)
    embed.title = f"Tip of the day · {embed.title}"
    return embed.set_footer(text=f"{DAILY_FOOTER.format(date=local_date)} · {DISCLAIMER}")


async def setup(bot: KneadBot) -> None:
    await bot.add_cog(DailyTip(bot))
