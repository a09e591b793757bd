"""Interactive menus: paging through a guide and answering the safety check.

Both are `DynamicItem`s whose whole state is in their custom_id (who opened the menu, which guide,
which step), so any running bot can rebuild them from a click: they keep working after a restart.
Both belong to the member who opened them: the owner id in the custom_id is checked on every click,
anyone else is told so privately, and the menu stays as it was.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Self

import discord

from bot.library.guides import StepCursor
from bot.library.models import Guide, SafetyCheck
from bot.library.safety import assess
from bot.ui.embeds import guide_page_embed, safety_result_embed
from bot.ui.errors import error_reply, reply_privately
from bot.ui.services import Content

NONE_OF_THESE = "none-of-these"
NOT_YOURS = "Only the member who opened this can use these buttons. Run the command yourself to get your own."


def expired_text(command: str) -> str:
    """What a click on a menu the bot can no longer serve gets, instead of Discord's "interaction failed"."""
    return f"This menu has expired. Run {command} again."


async def is_owner(interaction: discord.Interaction, owner_id: int) -> bool:
    """True for the member who opened the menu; anyone else is told privately and gets False."""
    if interaction.user.id == owner_id:
        return True
    await reply_privately(interaction, NOT_YOURS)
    return False


GUIDE_BUTTONS = {
    "back": ("Back", discord.ButtonStyle.secondary),
    "next": ("Next", discord.ButtonStyle.primary),
    "done": ("Done", discord.ButtonStyle.success),
}


class GuideButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"kb:guide:(?P<owner>\d{1,20}):(?P<guide>[a-z0-9-]{2,41}):(?P<step>\d{1,3}):(?P<action>back|next|done)",
):
    """Back, Next or Done on a /technique page; the custom_id says whose guide, which one and which step."""

    content: ClassVar[Content]

    def __init__(self, owner_id: int, guide_id: str, step: int, action: str, *, disabled: bool = False) -> None:
        label, style = GUIDE_BUTTONS[action]
        custom_id = f"kb:guide:{owner_id}:{guide_id}:{step}:{action}"
        super().__init__(discord.ui.Button(label=label, style=style, disabled=disabled, custom_id=custom_id))
        self.owner_id, self.guide_id, self.step, self.action = owner_id, guide_id, step, action

    @classmethod
    async def from_custom_id(
        cls, _interaction: discord.Interaction, _item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(int(match["owner"]), match["guide"], int(match["step"]), match["action"])

    @classmethod
    def make_view(cls, owner_id: int, cursor: StepCursor) -> discord.ui.View:
        """Back / Next / Done for the step on screen; Back is greyed on the first step, Next on the last.

        Call it on the class the cog registered: sending a view registers its items' class with discord.py.
        """
        view = discord.ui.View(timeout=None)
        guide: Guide = cursor.guide
        for action in GUIDE_BUTTONS:
            disabled = (action == "back" and cursor.is_first) or (action == "next" and cursor.is_last)
            view.add_item(cls(owner_id, guide.id, cursor.index, action, disabled=disabled))
        return view

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        return await is_owner(interaction, self.owner_id)

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await self._page(interaction)
        except Exception as error:
            await reply_privately(interaction, error_reply(error, f"guide button {self.action}"))

    async def _page(self, interaction: discord.Interaction) -> None:
        guide = next((g for g in self.content.guides if g.id == self.guide_id), None)
        if guide is None or self.step >= len(guide.steps):  # the guide changed or went since the menu was sent
            await reply_privately(interaction, expired_text("/technique"))
            return
        cursor = StepCursor(guide, self.step)
        if self.action == "done":
            await interaction.response.edit_message(embed=guide_page_embed(cursor), view=None)
            return
        if self.action == "next":
            cursor.next()
        else:
            cursor.back()
        await interaction.response.edit_message(
            embed=guide_page_embed(cursor), view=type(self).make_view(self.owner_id, cursor)
        )


class SafetyMenu(
    discord.ui.DynamicItem[discord.ui.Select[Any]],
    template=r"kb:safety:(?P<owner>\d{1,20})",
):
    """The /safety multi-select; picking answers replaces the menu with the outcome."""

    content: ClassVar[Content]

    def __init__(self, owner_id: int, check: SafetyCheck) -> None:
        options = [discord.SelectOption(label=q.label, value=q.id, description=q.description) for q in check.questions]
        options.append(discord.SelectOption(label="None of these", value=NONE_OF_THESE))
        select: discord.ui.Select[Any] = discord.ui.Select(
            custom_id=f"kb:safety:{owner_id}",
            placeholder="Pick every statement that applies",
            min_values=1,
            max_values=len(options),
            options=options,
        )
        super().__init__(select)
        self.owner_id, self.check = owner_id, check

    @classmethod
    async def from_custom_id(
        cls, _interaction: discord.Interaction, _item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(int(match["owner"]), cls.content.safety)

    @classmethod
    def make_view(cls, owner_id: int, check: SafetyCheck) -> discord.ui.View:
        """Call it on the class the cog registered: sending a view registers its items' class with discord.py."""
        view = discord.ui.View(timeout=None)
        view.add_item(cls(owner_id, check))
        return view

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        return await is_owner(interaction, self.owner_id)

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            ticked = [value for value in self.item.values if value != NONE_OF_THESE]
            result = assess(self.check, ticked)  # an answer the current content lacks is refused, not ignored
            await interaction.response.edit_message(embed=safety_result_embed(result, self.check), view=None)
        except Exception as error:
            await reply_privately(interaction, error_reply(error, "safety menu"))
