"""Embeds and views for moderator commands: settings, audit trail, server tips and the daily tip."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ClassVar, Self

import discord
from discord.utils import escape_markdown, format_dt

from bot.daily.models import DailyTipStatus, PostState, ScheduleState
from bot.guilds.errors import ServerOnly
from bot.guilds.models import AuditEntry, GuildConfig, GuildTip, TipPage
from bot.ui.embeds import TIP_COLOUR
from bot.ui.errors import error_reply, reply_privately
from bot.ui.services import ServerTipActions
from bot.ui.untrusted import plain_source, safe_text
from bot.ui.views import is_owner

MOD_COLOUR = discord.Colour.dark_teal()


LAST_PROBLEM_SHOWN = 300
"""Characters of the last day's problem shown (the bot's own words, never a member's)."""


def daily_status_text(status: DailyTipStatus | None) -> str:
    if status is None:
        return "No daily tip is set. Use `/daily-tip set`."
    schedule = status.schedule
    where = f"<#{schedule.channel_id}> at {schedule.post_time:%H:%M} ({schedule.timezone})"
    if schedule.state is ScheduleState.DISABLED:
        when = format_dt(schedule.disabled_at, "f") if schedule.disabled_at else "earlier"
        return f"**Off** since {when}: {schedule.disabled_reason}\nWas: {where}"
    text = f"**On**: {where}"
    if schedule.next_run_at is not None:
        text += f"\nNext: {format_dt(schedule.next_run_at, 'f')} ({format_dt(schedule.next_run_at, 'R')})"
    if (last := status.last_post) is not None:
        shown = last.problem if last.state is not PostState.POSTED else None
        problem = f": {shown[:LAST_PROBLEM_SHOWN]}" if shown else ""
        text += f"\nLast: {last.local_date:%d %b %Y} ({last.state.value}{problem})"
    return text


def config_embed(config: GuildConfig, daily: DailyTipStatus | None) -> discord.Embed:
    embed = discord.Embed(title="kneadbot settings for this server", colour=MOD_COLOUR)
    role = f"<@&{config.mod_role_id}>" if config.mod_role_id else "none (Manage Server only)"
    embed.add_field(name="Moderator role", value=role, inline=False)
    log_channel = f"<#{config.log_channel_id}>" if config.log_channel_id else "none"
    embed.add_field(name="Log channel", value=log_channel, inline=False)
    embed.add_field(name="Daily tip", value=daily_status_text(daily), inline=False)
    return embed


def audit_embed(entries: Sequence[AuditEntry]) -> discord.Embed:
    embed = discord.Embed(title="Recent moderator actions", colour=MOD_COLOUR)
    lines = [f"{format_dt(e.at, 'f')} · {_actor(e)} · {_detail(e)}" for e in entries]
    embed.description = "\n".join(lines)[:4000] or "No moderator actions yet."
    return embed


def audit_entry_embed(entry: AuditEntry) -> discord.Embed:
    """One action, as mirrored to the log channel."""
    return discord.Embed(description=f"{_actor(entry)} · {_detail(entry)}", colour=MOD_COLOUR, timestamp=entry.at)


def _detail(entry: AuditEntry) -> str:
    """The bot writes details from ids and topics, but escaped all the same: a topic or reason that ever
    carried a moderator's words could not then hide a link. Mentions are kept: the bot writes `<#id>`
    and `<@&id>` on purpose, and they never ping in an embed."""
    return escape_markdown(entry.detail)


def _actor(entry: AuditEntry) -> str:
    return "kneadbot" if entry.actor_id is None else f"<@{entry.actor_id}>"


def tip_line(tip: GuildTip) -> str:
    text = tip.fields.text
    short = safe_text(text if len(text) <= 90 else text[:89] + "…")  # cut first, so no escape is cut in half
    return f"`{tip.ref}` · {tip.fields.topic} · {short}"


def tip_page_embed(page: TipPage) -> discord.Embed:
    embed = discord.Embed(title="This server's own tips", colour=TIP_COLOUR)
    embed.description = "\n".join(tip_line(t) for t in page.tips) or "No server tips yet. Add one with `/tips add`."
    return embed.set_footer(text=f"Page {page.number} of {page.total_pages} · {page.total_tips} tips")


def tip_saved_embed(tip: GuildTip, verb: str) -> discord.Embed:
    embed = discord.Embed(title=f"Tip {tip.ref} {verb}", description=safe_text(tip.fields.text), colour=TIP_COLOUR)
    embed.add_field(name="Topic", value=tip.fields.topic)
    embed.add_field(name="Source", value=plain_source(tip.fields.source_name, tip.fields.source_url))
    return embed


class TipModal(discord.ui.Modal):
    """Text, topic, source name and link; `on_save` stores them and answers the interaction."""

    def __init__(
        self,
        title: str,
        on_save: Callable[[discord.Interaction, dict[str, str]], Awaitable[None]],
        current: GuildTip | None = None,
    ) -> None:
        super().__init__(title=title, timeout=900)
        self._on_save = on_save
        fields = current.fields if current else None
        self.text: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label="Tip",
            style=discord.TextStyle.paragraph,
            min_length=10,
            max_length=1000,
            default=fields.text if fields else None,
        )
        self.topic: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label="Topic", placeholder="e.g. aftercare", max_length=40, default=fields.topic if fields else None
        )
        self.source_name: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label="Source name", placeholder="e.g. NHS", max_length=100, default=fields.source_name if fields else None
        )
        self.source_url: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label="Source link (https)",
            placeholder="https://…",
            max_length=300,
            default=fields.source_url if fields else None,
        )
        for item in (self.text, self.topic, self.source_name, self.source_url):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        values = {
            "text": self.text.value,
            "topic": self.topic.value,
            "source_name": self.source_name.value,
            "source_url": self.source_url.value,
        }
        try:
            await self._on_save(interaction, values)
        except Exception as error:
            await reply_privately(interaction, error_reply(error, f"modal {self.title}"))


class TipPageButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"kb:tips:(?P<owner>\d{1,20}):(?P<page>\d{1,4}):(?P<action>previous|next)",
):
    """Previous / Next over /tips list pages; the custom_id says whose list and which page is shown."""

    tips: ClassVar[ServerTipActions]

    def __init__(self, owner_id: int, page: int, action: str, *, disabled: bool = False) -> None:
        custom_id = f"kb:tips:{owner_id}:{page}:{action}"
        button: discord.ui.Button[Any] = discord.ui.Button(
            label=action.capitalize(), style=discord.ButtonStyle.secondary, disabled=disabled, custom_id=custom_id
        )
        super().__init__(button)
        self.owner_id, self.page, self.action = owner_id, page, action

    @classmethod
    async def from_custom_id(
        cls, _interaction: discord.Interaction, _item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(int(match["owner"]), int(match["page"]), match["action"])

    @classmethod
    def make_view(cls, owner_id: int, page: TipPage) -> discord.ui.View:
        """Previous and Next, greyed at either end.

        Call it on the class the cog registered: sending a view registers its items' class with discord.py.
        """
        view = discord.ui.View(timeout=None)
        view.add_item(cls(owner_id, page.number, "previous", disabled=page.number <= 1))
        view.add_item(cls(owner_id, page.number, "next", disabled=page.number >= page.total_pages))
        return view

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        return await is_owner(interaction, self.owner_id)

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            if interaction.guild_id is None:
                raise ServerOnly()
            wanted = self.page + (1 if self.action == "next" else -1)
            page = await self.tips.list_page(interaction.guild_id, wanted)
            await interaction.response.edit_message(
                embed=tip_page_embed(page), view=type(self).make_view(self.owner_id, page)
            )
        except Exception as error:
            await reply_privately(interaction, error_reply(error, "tips list page"))
