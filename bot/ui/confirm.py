"""A private yes/no prompt that runs one action when its owner says yes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.ui.errors import error_reply, reply_privately
from bot.ui.views import OwnedView

Action = Callable[[discord.Interaction], Awaitable[None]]


class ConfirmView(OwnedView):
    """Two buttons; `on_confirm` answers the interaction itself (usually by editing the prompt)."""

    def __init__(self, owner_id: int, on_confirm: Action, *, confirm_label: str, danger: bool = False) -> None:
        super().__init__(owner_id, timeout=300)
        self._on_confirm = on_confirm
        self.confirm.label = confirm_label
        self.confirm.style = discord.ButtonStyle.danger if danger else discord.ButtonStyle.success

    @discord.ui.button(label="Confirm", style=discord.ButtonStyle.success)
    async def confirm(self, interaction: discord.Interaction, _button: discord.ui.Button[Any]) -> None:
        self.stop()
        try:
            await self._on_confirm(interaction)
        except Exception as error:
            text = error_reply(error, "confirm")
            if interaction.response.is_done():
                await reply_privately(interaction, text)
            else:
                await interaction.response.edit_message(content=text, embed=None, view=None)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, _button: discord.ui.Button[Any]) -> None:
        self.stop()
        await interaction.response.edit_message(content="Cancelled: nothing was changed.", embed=None, view=None)
