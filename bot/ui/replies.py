"""Answer a command whether or not it deferred first.

Commands whose work may wait on the database (every write) defer at once, so Discord hears from us
within its 3 s even when another process holds the database; their answer then replaces the
"thinking..." message. Quick commands answer directly. This one call serves both.
"""

from __future__ import annotations

from typing import Any

import discord


async def answer(interaction: discord.Interaction, content: str | None = None, **fields: Any) -> None:
    """The command's answer: the first response, or after a defer the message that replaces "thinking..."."""
    if content is not None:
        fields["content"] = content
    if interaction.response.is_done():
        await interaction.followup.send(**fields)
    else:
        await interaction.response.send_message(**fields)


async def defer_write(interaction: discord.Interaction) -> None:
    """Acknowledge a private command before work that may wait on a busy database (ephemeral, "thinking")."""
    await interaction.response.defer(ephemeral=True, thinking=True)
