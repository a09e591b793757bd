"""Private yes/no prompts that keep working after a restart and tolerate a double click.

One `DynamicItem` serves every prompt: its custom_id names the kind of prompt, who opened it, the row
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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Self, cast

import discord

from bot.guilds.errors import GuildTipNotFound
from bot.guilds.models import TIP_ID_PREFIX
from bot.ui.checkins import DECLINED, NOTHING_HELD, logged_embed
from bot.ui.errors import error_reply
from bot.ui.moderators import check_moderator
from bot.ui.views import expired_text, is_owner

if TYPE_CHECKING:
    from bot.app import KneadBot

Reply = tuple[str, discord.Embed | None]
"""What replaces the prompt: its text and an optional embed."""
PROMPT_LIFETIME = timedelta(minutes=15)
Action = Callable[[discord.Interaction, "KneadBot", int], Awaitable[Reply]]
CANCELLED = "Cancelled: nothing was changed."


async def _agree(click: discord.Interaction, bot: KneadBot, pending_id: int) -> Reply:
    logged = await bot.checkins.agree_and_log(pending_id, click.user.id)
    return "Thank you.", logged_embed(logged)


async def _decline(click: discord.Interaction, bot: KneadBot, pending_id: int) -> Reply:
    if await bot.checkins.decline(pending_id, click.user.id):
        return DECLINED, None
    return NOTHING_HELD, None


async def _erase(click: discord.Interaction, bot: KneadBot, _ref: int) -> Reply:
    await bot.checkins.delete_member_data(click.user.id)
    return "Done: everything of yours is erased.", None


async def _remove_tip(click: discord.Interaction, bot: KneadBot, tip_id: int) -> Reply:
    """Re-checks that the clicker is still a moderator here: the prompt may have waited a long time."""
    guild_id = await check_moderator(click)
    try:
        removed = await bot.server_tips.remove(guild_id, click.user.id, tip_id)
    except GuildTipNotFound:  # a second click, or another moderator was quicker: the tip is gone either way
        return f"`{TIP_ID_PREFIX}{tip_id}` is already removed.", None
    return f"Removed `{removed.ref}`.", None


async def _cancel(_click: discord.Interaction, _bot: KneadBot, _ref: int) -> Reply:
    return CANCELLED, None


@dataclass(frozen=True)
class Prompt:
    """One kind of yes/no prompt: its confirm button and what each answer does."""

    confirm_label: str
    danger: bool
    command: str
    """The command that opens this prompt, named in the "expired" answer."""
    on_yes: Action
    on_no: Action = _cancel
    on_expired: Action = _cancel
    """What a confirm clicked too late still does: the consent prompt erases its held session, which
    can no longer be agreed to (the buttons are gone once the prompt says it has expired)."""


PROMPTS = {
    "consent": Prompt(
        "I agree", danger=False, command="/session log", on_yes=_agree, on_no=_decline, on_expired=_decline
    ),
    "erase": Prompt("Delete everything", danger=True, command="/mydata delete", on_yes=_erase),
    "tip-remove": Prompt("Remove", danger=True, command="/tips remove", on_yes=_remove_tip),
}


def epoch_minute(moment: datetime) -> int:
    """A prompt's opening time as it is kept in its custom_id: short, and exact enough for a 15-minute limit."""
    return int(moment.timestamp() // 60)


def is_expired(opened_minute: int, now: datetime) -> bool:
    return epoch_minute(now) - opened_minute > PROMPT_LIFETIME.total_seconds() // 60


class ConfirmButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=(
        r"kb:ask:(?P<kind>consent|erase|tip-remove):(?P<owner>\d{1,20}):(?P<ref>\d{1,20}):(?P<opened>\d{1,12})"
        r":(?P<answer>yes|no)"
    ),
):
    """The confirm or cancel button of a prompt; `ref` is the row the prompt is about (0 when none) and
    `opened` the epoch minute the prompt was sent."""

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

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        return await is_owner(interaction, self.owner_id)

    async def callback(self, interaction: discord.Interaction) -> None:
        """Acknowledges the click first: every answer writes, and the database may be busy for a while."""
        prompt = PROMPTS[self.kind]
        bot = cast("KneadBot", interaction.client)
        action = prompt.on_yes if self.answer == "yes" else prompt.on_no
        await interaction.response.defer()
        expired = self.answer == "yes" and is_expired(self.opened, bot.clock())
        try:
            if expired:
                await prompt.on_expired(interaction, bot, self.ref)
                text, embed = expired_text(prompt.command), None
            else:
                text, embed = await action(interaction, bot, self.ref)
        except Exception as error:
            text, embed = error_reply(error, f"{self.kind} prompt"), None
        await interaction.edit_original_response(content=text, embed=embed, view=None)


def confirm_view(kind: str, owner_id: int, ref: int = 0, *, opened_at: datetime) -> discord.ui.View:
    """The two buttons of a prompt of this kind (see PROMPTS), for the member who opened it at `opened_at`."""
    view = discord.ui.View(timeout=None)
    for answer in ("yes", "no"):
        view.add_item(ConfirmButton(kind, owner_id, ref, epoch_minute(opened_at), answer))
    return view
