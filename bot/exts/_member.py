"""What every member command shares: where it may run, and a rate limit per member."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from discord import app_commands

T = TypeVar("T")

MEMBER_CONTEXTS: dict[str, Any] = {
    "allowed_contexts": app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=False),
    "allowed_installs": app_commands.AppInstallationType(guild=True, user=False),
}
"""For app_commands.Group(...): servers and DMs with the bot, installed to servers only."""

COMMANDS_PER_WINDOW = 8
WINDOW_SECONDS = 30.0


def member_command(func: T) -> T:
    """Allow the command in servers and in DMs with the bot, at most 8 uses per 30 s per member."""
    decorators: list[Callable[[T], T]] = [
        app_commands.allowed_installs(guilds=True, users=False),
        app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False),
        app_commands.checks.cooldown(COMMANDS_PER_WINDOW, WINDOW_SECONDS, key=lambda i: i.user.id),
    ]
    for decorate in decorators:
        func = decorate(func)
    return func
