"""/session, /settings and /mydata: log massages, get recovery check-ins, and control your data.

Thin by design: every rule (consent, limits, ownership) is in CheckinService; this cog turns
interactions into calls on it, renders the answers, and runs the scheduler that delivers check-ins.
"""

from __future__ import annotations

import asyncio
import io
import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import KneadBot
from bot.checkins.delivery import CheckinJob
from bot.checkins.dm_status import DmStatus
from bot.checkins.errors import ConsentRequired
from bot.checkins.models import Area, CheckinSummary, Intensity
from bot.checkins.service import CheckinService
from bot.checkins.timezones import zone_named
from bot.exts._background import BackgroundJobs
from bot.exts._checkin_courier import CheckinCourier, handover_poll
from bot.exts._choices import timezone_choices
from bot.exts._member import MEMBER_CONTEXTS, member_command
from bot.exts._services import checkin_service
from bot.exts._wakeups import CrossProcessWakeups
from bot.jobs.housekeeping import Task, housekeeping_runner
from bot.jobs.runner import JobRunner
from bot.log import get_logger
from bot.storage.notify import CHECKINS
from bot.ui.binding import bind
from bot.ui.charts import MIN_POINTS, soreness_chart
from bot.ui.checkin_buttons import CheckinButton
from bot.ui.checkins import (
    AREA_WORDS,
    checkin_line,
    consent_embed,
    history_embed,
    logged_embed,
    undelivered_text,
    upcoming_embed,
)
from bot.ui.confirm import MemberDataPrompt
from bot.ui.replies import answer, defer_write

LOG_COOLDOWN_USES, LOG_COOLDOWN_SECONDS = 3, 60.0
AREA_CHOICES = [app_commands.Choice(name=AREA_WORDS[a].replace("legs", "whole legs"), value=a.value) for a in Area]
INTENSITY_CHOICES = [app_commands.Choice(name=i.value, value=i.value) for i in Intensity]

WHERE = MEMBER_CONTEXTS  # Discord reads where a group may be used from the group, not its subcommands

log = get_logger(__name__)
HELD_PURGE_INTERVAL = timedelta(hours=1)


class Checkins(commands.Cog):
    session = app_commands.Group(name="session", description="Log a massage and get a recovery check-in.", **WHERE)
    settings = app_commands.Group(name="settings", description="Your time zone and quiet hours for check-ins.", **WHERE)
    mydata = app_commands.Group(
        name="mydata", description="Export or delete everything kneadbot stores about you.", **WHERE
    )

    def __init__(self, bot: KneadBot, service: CheckinService) -> None:
        self.bot, self.service = bot, service
        self.checkin_button = bind(CheckinButton, checkins=service, content=bot.library)
        self.prompt = bind(MemberDataPrompt, members=service, clock=bot.clock)
        self.buttons = (self.checkin_button, self.prompt)
        dms = DmStatus(bot.database, clock=bot.clock)
        courier = CheckinCourier(bot, bot.library, self.checkin_button, clock=bot.clock, dms=dms)
        self.jobs = BackgroundJobs(bot, enabled=bot.background_jobs)
        asleep = self.jobs.announce_asleep
        self.runner = JobRunner(
            CheckinJob(service.delivery, bot.metrics, bot.settings.shards),
            courier,
            clock=bot.clock,
            concurrency=bot.settings.delivery_concurrency,
            max_sleep=handover_poll(bot.settings.shards),
            on_asleep=asleep,
        )
        self.housekeeping = housekeeping_runner(
            "checkins-housekeeping",
            bot.database,
            purge_tasks(service),
            clock=bot.clock,
            metrics=bot.metrics,
            on_asleep=asleep,
        )
        self.jobs.add(self.runner, self.housekeeping)
        self.wakeups = CrossProcessWakeups(bot, CHECKINS, self.runner.wake)  # another process added one
        self._notice_lock = asyncio.Lock()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*self.buttons)
        self.service.delivery.schedule_changes.add(self.runner.wake)
        await self.wakeups.start()
        self.jobs.start_when_ready()

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*self.buttons)
        self.service.delivery.schedule_changes.remove(self.runner.wake)
        await self.wakeups.stop()
        await self.jobs.stop()

    @commands.Cog.listener()
    async def on_app_command_completion(self, interaction: discord.Interaction, _command: object) -> None:
        """Tell a member, once, about check-ins that could not reach them: marked told only once shown.

        Notices are handled one command at a time, so two quick commands cannot both show a notice
        before the first has been marked as told. (Usually this is one indexed read; a send happens
        only when there is something to tell, which is rare.)
        """
        user_id = interaction.user.id
        async with self._notice_lock:
            missed = await self.service.undelivered_notices(user_id)
            if missed and await self._show_notice(interaction, undelivered_text(missed)):
                await self.service.mark_notified(user_id, [checkin.id for checkin in missed])

    @staticmethod
    async def _show_notice(interaction: discord.Interaction, text: str) -> bool:
        try:
            await interaction.followup.send(text, ephemeral=True)
        except discord.HTTPException:
            log.warning("Could not show an undelivered-check-in notice; trying again at the next command")
            return False
        return True

    @session.command(name="log")
    @app_commands.choices(area=AREA_CHOICES, intensity=INTENSITY_CHOICES)
    @app_commands.checks.cooldown(LOG_COOLDOWN_USES, LOG_COOLDOWN_SECONDS, key=lambda i: i.user.id)
    @member_command
    async def log_session(
        self,
        interaction: discord.Interaction,
        area: app_commands.Choice[str],
        intensity: app_commands.Choice[str],
        checkin_in: app_commands.Range[str, 1, 20] | None = None,
        note: app_commands.Range[str, 1, 200] | None = None,
    ) -> None:
        """Log a massage; I will ask how you feel afterwards.

        Args:
            area: Which part of the legs was massaged.
            intensity: How firm the pressure was.
            checkin_in: When to check in, such as 90m, 24h, 2d or 1d12h (default 24h).
            note: Anything you want to remember about it (200 characters at most).
        """
        await defer_write(interaction)
        try:
            logged = await self.service.log_session(
                interaction.user.id,
                area.value,
                intensity.value,
                check_in_after=checkin_in,
                note=note,
                guild_id=interaction.guild_id,
                channel_id=interaction.channel_id if interaction.guild_id else None,
            )
        except ConsentRequired as held:
            view = self.prompt.make_view("consent", interaction.user.id, held.pending_id, opened_at=self.bot.clock())
            embed = consent_embed(self.bot.settings.retention_days)
            await answer(interaction, embed=embed, view=view, ephemeral=True)
            return
        await answer(interaction, embed=logged_embed(logged), ephemeral=True)

    @session.command(name="history")
    @member_command
    async def history(self, interaction: discord.Interaction) -> None:
        """Your last 10 sessions and how sore you were after them."""
        history = await self.service.history(interaction.user.id)
        embed = history_embed(history, await self._timezone_of(interaction.user.id))
        if len(history.soreness_points) < MIN_POINTS:
            await interaction.response.send_message(embed=embed, ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        png = await asyncio.to_thread(soreness_chart, history.soreness_points)
        embed.set_image(url="attachment://soreness.png")
        await interaction.followup.send(embed=embed, file=discord.File(io.BytesIO(png), "soreness.png"), ephemeral=True)

    @session.command(name="upcoming")
    @member_command
    async def upcoming(self, interaction: discord.Interaction) -> None:
        """Check-ins that are still to come."""
        pending = await self.service.upcoming(interaction.user.id)
        await interaction.response.send_message(embed=upcoming_embed(pending), ephemeral=True)

    @session.command(name="cancel")
    @member_command
    async def cancel(self, interaction: discord.Interaction, checkin: app_commands.Range[int, 1]) -> None:
        """Cancel one of your upcoming check-ins.

        Args:
            checkin: Which check-in; pick it from the list.
        """
        await defer_write(interaction)
        cancelled = await self.service.cancel(interaction.user.id, checkin)
        await answer(interaction, f"Cancelled {checkin_line(cancelled)}.", ephemeral=True)

    @cancel.autocomplete("checkin")
    async def _own_pending(self, interaction: discord.Interaction, _current: str) -> list[app_commands.Choice[int]]:
        """Only the member's own pending check-ins are ever offered."""
        pending = await self.service.upcoming(interaction.user.id)
        zone = zone_named(await self._timezone_of(interaction.user.id))
        return [app_commands.Choice(name=choice_name(c, zone), value=c.id) for c in pending[:25]]

    async def _timezone_of(self, user_id: int) -> str:
        settings = await self.service.settings(user_id)
        return settings.timezone if settings else "UTC"

    @settings.command(name="timezone")
    @app_commands.autocomplete(name=timezone_choices)
    @member_command
    async def timezone(self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 64]) -> None:
        """Set your time zone, so quiet hours and dates are yours.

        Args:
            name: An IANA time zone such as Europe/London or America/New_York.
        """
        await defer_write(interaction)
        zone = await self.service.set_timezone(interaction.user.id, name)
        await answer(interaction, f"Your time zone is now **{zone}**.", ephemeral=True)

    @settings.command(name="quiet-hours")
    @member_command
    async def quiet_hours(
        self,
        interaction: discord.Interaction,
        start: app_commands.Range[str, 1, 5] | None = None,
        end: app_commands.Range[str, 1, 5] | None = None,
    ) -> None:
        """Hours when check-ins wait (your local time); leave both empty to turn them off.

        Args:
            start: When quiet hours begin, such as 22:00.
            end: When they end, such as 07:30.
        """
        await defer_write(interaction)
        quiet = await self.service.set_quiet_hours(interaction.user.id, start, end)
        text = "Quiet hours are off." if quiet is None else f"Quiet hours: {quiet.start:%H:%M}–{quiet.end:%H:%M}."
        await answer(interaction, text, ephemeral=True)

    @mydata.command(name="export")
    @member_command
    async def export(self, interaction: discord.Interaction) -> None:
        """A copy of everything kneadbot stores about you, as a JSON file."""
        data = json.dumps(await self.service.export(interaction.user.id), indent=2, ensure_ascii=False)
        file = discord.File(io.BytesIO(data.encode()), filename="kneadbot-my-data.json")
        await interaction.response.send_message("Here is everything I store about you.", file=file, ephemeral=True)

    @mydata.command(name="delete")
    @member_command
    async def delete(self, interaction: discord.Interaction) -> None:
        """Erase everything kneadbot stores about you and cancel your check-ins."""

        view = self.prompt.make_view("erase", interaction.user.id, opened_at=self.bot.clock())
        text = "This erases your sessions, answers and settings and cancels your check-ins. It cannot be undone."
        await interaction.response.send_message(text, view=view, ephemeral=True)


def purge_tasks(service: CheckinService) -> list[Task]:
    """The daily retention purge, and the hourly purge of held sessions: hourly on the durable schedule, so
    a first session waiting for "I agree" is never kept longer than the consent prompt says, however
    often the bot restarts."""

    async def purge_expired() -> str:
        return f"removed {await service.purge_expired()} sessions past retention"

    async def purge_held() -> str:
        return f"removed {await service.purge_held()} held sessions"

    return [Task("checkins-purge", purge_expired), Task("checkins-purge-held", purge_held, HELD_PURGE_INTERVAL)]


def choice_name(checkin: CheckinSummary, zone: ZoneInfo) -> str:
    """Autocomplete shows plain text (no Discord timestamps), so the time is given in the member's zone."""
    when = checkin.deliver_at.astimezone(zone)
    return f"#{checkin.id} {AREA_WORDS[checkin.area]}, {checkin.intensity.value}, {when:%d %b %H:%M} {zone.key}"


async def setup(bot: KneadBot) -> None:
    await bot.add_cog(Checkins(bot, checkin_service(bot)))
