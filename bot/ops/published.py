"""What an operator needs at start-up: are the slash commands Discord shows the ones this code has,
and which link invites the bot to a server.

Global commands are not synced on every start (that would spend Discord's daily sync limit on every
restart), so a first run, or a deploy that added an option, shows stale or no commands. One GET at
start-up finds that out and the log says what to run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import discord

INVITE_PERMISSIONS = discord.Permissions(117760)
"""View Channels, Send Messages, Embed Links, Attach Files, Read Message History (README lists them)."""
INVITE_SCOPES = ("bot", "applications.commands")


def invite_url(application_id: int) -> str:
    return discord.utils.oauth_url(application_id, permissions=INVITE_PERMISSIONS, scopes=INVITE_SCOPES)


def shape(command: Mapping[str, Any]) -> tuple[Any, ...]:
    """What a member sees of a command: its kind, name and options (with their kinds), recursively.

    Descriptions, localisations and defaults that Discord fills in are left out, so a freshly synced
    tree compares equal to the code's.
    """
    options = tuple(sorted(shape(option) for option in command.get("options") or ()))
    return (int(command.get("type") or 1), str(command["name"]), bool(command.get("required", False)), options)


def differences(local: Iterable[Mapping[str, Any]], remote: Iterable[Mapping[str, Any]]) -> list[str]:
    """Names of the top-level commands that are missing, extra or different on Discord; empty when in sync."""
    mine = {command["name"]: shape(command) for command in local}
    theirs = {command["name"]: shape(command) for command in remote}
    return sorted(name for name in mine.keys() | theirs.keys() if mine.get(name) != theirs.get(name))


def sync_hint(changed: list[str], guild_id: int | None) -> str:
    where = f" --guild {guild_id}" if guild_id else ""
    shown = ", ".join(f"/{name}" for name in changed[:8]) + (" ..." if len(changed) > 8 else "")
    return (
        f"Discord's slash commands differ from this version's ({len(changed)}: {shown}); "
        f"members will not see the current ones until you run: python -m bot sync{where}"
    )
