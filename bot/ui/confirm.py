"""Private yes/no prompts that keep working after a restart and tolerate a double click.

One `DynamicItem` draws every prompt: its custom_id names the kind of prompt, who opened it, the row
it is about, when it was opened (epoch minutes) and the answer, so any running bot can act on a click.
A confirm clicked more than PROMPT_LIFETIME after the prompt opened is refused as expired: a "Delete
everything" left open for a week must not erase what was logged since. Cancel always works (it
changes nothing, or erases a held session, which is never harmful); an expired "I agree" erases its
held session too. Each action is safe to run twice
(the services compare-and-set), so two clicks arriving together both get an answer and change
things once: consent logs one session, a deletion deletes once and says so both times.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar, Self

import discord

from bot.clock import Clock
from bot.guilds.errors import GuildTipNotFound
from bot.guilds.models import TIP_ID_PREFIX
from bot.ui.checkins import DECLINED, NOTHING_HELD, logged_embed
from bot.ui.errors import error_reply
from bot.ui.moderators import check_moderator
from bot.ui.services import MemberDataActions, ModeratorCheck, ServerTipActions
from bot.ui.views import expired_text, is_owner

Reply = tuple[str, discord.Embed | None]
"""What replaces the prompt: its text and an optional embed."""
PROMPT_LIFETIME = timedelta(minutes=15)
CANCELLED = "Cancelled: nothing was changed."
PROMPT_TEMPLATE = (
    r"kb:ask:(?P<kind>{kinds}):(?P<owner>\d{{1,20}}):(?P<ref>\d{{1,20}}):(?P<opened>\d{{1,12}}):(?P<answer>yes|no)"
)


@dataclass(frozen=True)
class Prompt:
    """One kind of yes/no prompt: its confirm button's label, whether it is a dangerous one, and the
    command that opens it (named in the "expired" answer)."""

    confirm_label: str
    danger: bool
    command: str


PROMPTS = {
    "consent": Prompt("I agree", danger=False, command="/session log"),
    "erase": Prompt("Delete everything", danger=True, command="/mydata delete"),
    "tip-remove": Prompt("Remove", danger=True, command="/tips remove"),
}


def epoch_minute(moment: datetime) -> int:
    """A prompt's opening time as it is kept in its custom_id: short, and exact enough for a 15-minute limit."""
    return int(moment.timestamp() // 60)


def is_expired(opened_minute: int, now: datetime) -> bool:
    return epoch_minute(now) - opened_minute > PROMPT_LIFETIME.total_seconds() // 60


class ConfirmButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=PROMPT_TEMPLATE.format(kinds="|".join(PROMPTS)),
):
    """The confirm or cancel button of a prompt; `ref` is the row the prompt is about (0 when none) and
    `opened` the epoch minute the prompt was sent.

    This class draws every prompt; a click is answered by the subclass for its kinds (MemberDataPrompt,
    TipRemovePrompt), registered by the cog whose services (and clock) it needs.
    """

    clock: ClassVar[Clock]
    """Read as `type(self).clock`: a plain function stored on a class would otherwise be bound to the item."""

    def __init__(self, kind: str, owner_id: int, ref: int, opened: int, answer: str) -> None:
        prompt = PROMPTS[kind]
        if answer == "yes":
            style = discord.ButtonStyle.danger if prompt.danger else discord.ButtonStyle.success
            label = prompt.confirm_label
        else:
            style, label = discord.ButtonStyle.secondary, "Cancel"
        custom_id = f"kb:ask:{kind}:{owner_id}:{ref}:{opened}:{answer}"
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=custom_id))
        self.kind, self.owner_id, self.ref, self.opened, self.answer = kind, owner_id, ref, opened, answer

    @classmethod
    async def from_custom_id(
        cls, _interaction: discord.Interaction, _item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(match["kind"], int(match["owner"]), int(match["ref"]), int(match["opened"]), match["answer"])

    @classmethod
    def make_view(cls, kind: str, owner_id: int, ref: int = 0, *, opened_at: datetime) -> discord.ui.View:
        """The two buttons of a prompt of this kind (see PROMPTS), for the member who opened it at `opened_at`.

        Call it on the class the cog registered: sending a view registers its items' class with discord.py.
        """
        view = discord.ui.View(timeout=None)
        for answer in ("yes", "no"):
            view.add_item(cls(kind, owner_id, ref, epoch_minute(opened_at), answer))
        return view

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        return await is_owner(interaction, self.owner_id)

    async def callback(self, interaction: discord.Interaction) -> None:
        """Acknowledges the click first: every answer writes, and the database may be busy for a while."""
        await interaction.response.defer()
        expired = self.answer == "yes" and is_expired(self.opened, type(self).clock())
        try:
            if expired:
                await self.expire(interaction)
                text, embed = expired_text(PROMPTS[self.kind].command), None
            else:
                text, embed = await self.act(interaction)
        except Exception as error:
            text, embed = error_reply(error, f"{self.kind} prompt"), None
        await interaction.edit_original_response(content=text, embed=embed, view=None)

    async def act(self, click: discord.Interaction) -> Reply:
        """What this answer does; only the registered subclasses know (see their templates)."""
        raise NotImplementedError

    async def expire(self, click: discord.Interaction) -> None:
        """What a confirm clicked too late still does: nothing, unless the subclass says otherwise."""


class MemberDataPrompt(ConfirmButton, template=PROMPT_TEMPLATE.format(kinds="consent|erase")):
    """Consent before the first /session log, and /mydata delete: the check-ins cog's prompts."""

    members: ClassVar[MemberDataActions]

    async def act(self, click: discord.Interaction) -> Reply:
        if self.kind == "consent" and self.answer == "yes":
            logged = await self.members.agree_and_log(self.ref, click.user.id)
            return "Thank you.", logged_embed(logged)
        if self.kind == "consent":
            return await self._decline(click)
        if self.answer == "yes":
            await self.members.delete_member_data(click.user.id)
            return "Done: everything of yours is erased.", None
        return CANCELLED, None

    async def expire(self, click: discord.Interaction) -> None:
        """An expired "I agree" erases its held session, which can no longer be agreed to (the buttons are
        gone once the prompt says it has expired)."""
        if self.kind == "consent":
            await self._decline(click)

    async def _decline(self, click: discord.Interaction) -> Reply:
        if await self.members.decline(self.ref, click.user.id):
            return DECLINED, None
        return NOTHING_HELD, None


class TipRemovePrompt(ConfirmButton, template=PROMPT_TEMPLATE.format(kinds="tip-remove")):
    """/tips remove: the server-tips cog's prompt."""

    moderators: ClassVar[ModeratorCheck]
    tips: ClassVar[ServerTipActions]

    async def act(self, click: discord.Interaction) -> Reply:
        """Re-checks that the clicker is still a moderator here: the prompt may have waited a long time."""
        if self.answer == "no":
            return CANCELLED, None
        guild_id = await check_moderator(click, self.moderators)
        try:
            removed = await self.tips.remove(guild_id, click.user.id, self.ref)
        except GuildTipNotFound:  # a second click, or another moderator was quicker: the tip is gone either way
            return f"`{TIP_ID_PREFIX}{self.ref}` is already removed.", None
        return f"Removed `{removed.ref}`.", None
