"""Check-in buttons that keep working after a restart.

One `DynamicItem` covers every check-in button: its custom_id holds the check-in id and the action,
so any running bot can rebuild it from a click. Who may act is decided by the service from the
clicker's id, never from the custom_id, so a forged id reaches only the clicker's own check-ins.
The check-ins cog registers it bound to its service and content (bot/ui/binding.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import discord

from bot.checkins.models import Answer, Soreness
from bot.ui import replies
from bot.ui.checkins import SORENESS_LABELS, guidance_embed
from bot.ui.errors import error_reply, reply_privately
from bot.ui.services import CheckinActions, Content


@dataclass(frozen=True)
class ButtonLook:
    label: str
    style: discord.ButtonStyle
    row: int


LOOKS = {
    **{f"s{level.value}": ButtonLook(SORENESS_LABELS[level], discord.ButtonStyle.secondary, 0) for level in Soreness},
    "warn": ButtonLook("Warning signs", discord.ButtonStyle.danger, 1),
    "later": ButtonLook("Ask me later", discord.ButtonStyle.secondary, 1),
    "again": ButtonLook("Check again tomorrow", discord.ButtonStyle.primary, 0),
}


class CheckinButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"kb:ci:(?P<id>\d{1,20}):(?P<action>s[0-3]|warn|later|again)",
):
    """A button on a check-in (or on the advice after it): answer, warning signs, snooze, follow-up."""

    checkins: ClassVar[CheckinActions]
    content: ClassVar[Content]

    def __init__(self, checkin_id: int, action: str) -> None:
        look = LOOKS[action]
        super().__init__(
            discord.ui.Button(
                label=look.label, style=look.style, row=look.row, custom_id=f"kb:ci:{checkin_id}:{action}"
            )
        )
        self.checkin_id, self.action = checkin_id, action

    @classmethod
    async def from_custom_id(
        cls, _interaction: discord.Interaction, _item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(int(match["id"]), match["action"])

    @classmethod
    def make_view(cls, checkin_id: int) -> discord.ui.View:
        """None / Mild / Moderate / Severe, then Warning signs and Ask me later.

        Call it on the class the cog registered: sending a view registers its items' class with discord.py.
        """
        view = discord.ui.View(timeout=None)
        for action in ("s0", "s1", "s2", "s3", "warn", "later"):
            view.add_item(cls(checkin_id, action))
        return view

    async def callback(self, interaction: discord.Interaction) -> None:
        await replies.defer_write(interaction)  # every action writes: answer Discord before the database may wait
        try:
            await self._act(interaction)
        except Exception as error:
            await reply_privately(interaction, error_reply(error, f"check-in button {self.action}"))

    async def _act(self, interaction: discord.Interaction) -> None:
        checkins, user_id = self.checkins, interaction.user.id
        if self.action.startswith("s"):
            answer = await checkins.record_soreness(self.checkin_id, user_id, int(self.action[1]))
            await self._send_guidance(interaction, answer)
        elif self.action == "warn":
            await self._send_guidance(interaction, await checkins.record_warning_signs(self.checkin_id, user_id))
        elif self.action == "later":
            summary = await checkins.snooze(self.checkin_id, user_id)
            when = discord.utils.format_dt(summary.deliver_at, "R")
            await replies.answer(interaction, f"OK, I will ask again {when}.", ephemeral=True)
        else:
            summary = await checkins.schedule_follow_up(self.checkin_id, user_id)
            when = discord.utils.format_dt(summary.deliver_at, "R")
            await replies.answer(interaction, f"I will check on you again {when}.", ephemeral=True)

    async def _send_guidance(self, interaction: discord.Interaction, answer: Answer) -> None:
        view = discord.ui.View(timeout=None)
        if answer.offers_follow_up:
            view.add_item(type(self)(answer.checkin_id, "again"))
        embed = guidance_embed(self.content.checkin_texts, answer.guidance)
        await replies.answer(interaction, embed=embed, view=view, ephemeral=True)
