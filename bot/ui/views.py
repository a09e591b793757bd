"""Interactive views: paging through a guide and answering the safety check.

Both belong to the member who opened them: anyone else who clicks is told so privately, and the
view stays as it was.
"""

from __future__ import annotations

import contextlib

import discord

from bot.library.guides import StepCursor
from bot.library.models import SafetyCheck
from bot.library.safety import assess
from bot.ui.embeds import guide_page_embed, safety_result_embed

VIEW_TIMEOUT_SECONDS = 600.0
NONE_OF_THESE = "none-of-these"


class OwnedView(discord.ui.View):
    """A view only its owner may use; `interaction` is the one that sent it, used to edit on timeout."""

    def __init__(self, owner_id: int, *, timeout: float | None = VIEW_TIMEOUT_SECONDS) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.origin: discord.Interaction | None = None

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            "Only the member who opened this can use these buttons. Run the command yourself to get your own.",
            ephemeral=True,
        )
        return False

    async def on_timeout(self) -> None:
        """Grey the controls out so nobody clicks a button that no longer answers."""
        for item in self.children:
            if isinstance(item, discord.ui.Button | discord.ui.Select):
                item.disabled = True
        if self.origin is not None:
            # The message may be gone or the token expired: then there is nothing left to grey out.
            with contextlib.suppress(discord.HTTPException):
                await self.origin.edit_original_response(view=self)


class GuidePager(OwnedView):
    """Back / Next / Done buttons over the steps of one guide."""

    def __init__(self, owner_id: int, cursor: StepCursor, *, timeout: float | None = VIEW_TIMEOUT_SECONDS) -> None:
        super().__init__(owner_id, timeout=timeout)
        self.cursor = cursor
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        self.back.disabled = self.cursor.is_first
        self.next.disabled = self.cursor.is_last

    async def _show(self, interaction: discord.Interaction) -> None:
        self._sync_buttons()
        await interaction.response.edit_message(embed=guide_page_embed(self.cursor), view=self)

    @discord.ui.button(label="Back", style=discord.ButtonStyle.secondary)
    async def back(self, interaction: discord.Interaction, _button: discord.ui.Button[GuidePager]) -> None:
        self.cursor.back()
        await self._show(interaction)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.primary)
    async def next(self, interaction: discord.Interaction, _button: discord.ui.Button[GuidePager]) -> None:
        self.cursor.next()
        await self._show(interaction)

    @discord.ui.button(label="Done", style=discord.ButtonStyle.success)
    async def done(self, interaction: discord.Interaction, _button: discord.ui.Button[GuidePager]) -> None:
        self.stop()
        await interaction.response.edit_message(embed=guide_page_embed(self.cursor), view=None)


class SafetyCheckView(OwnedView):
    """One multi-select of the safety statements; picking answers replaces the menu with the outcome."""

    def __init__(self, owner_id: int, check: SafetyCheck, *, timeout: float | None = VIEW_TIMEOUT_SECONDS) -> None:
        super().__init__(owner_id, timeout=timeout)
        self.check = check
        options = [discord.SelectOption(label=q.label, value=q.id, description=q.description) for q in check.questions]
        options.append(discord.SelectOption(label="None of these", value=NONE_OF_THESE))
        self.statements: discord.ui.Select[SafetyCheckView] = discord.ui.Select(
            placeholder="Pick every statement that applies",
            min_values=1,
            max_values=len(options),
            options=options,
        )
        self.statements.callback = self._answered  # type: ignore[method-assign]
        self.add_item(self.statements)

    async def _answered(self, interaction: discord.Interaction) -> None:
        ticked = [value for value in self.statements.values if value != NONE_OF_THESE]
        result = assess(self.check, ticked)
        self.stop()
        await interaction.response.edit_message(embed=safety_result_embed(result, self.check), view=None)
