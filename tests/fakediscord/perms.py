"""Permission bits and Discord's documented permission algorithm.

Why our own copy instead of ``discord.Permissions``: the fake plays Discord, so it must not
borrow the library under test's logic (a shared bug would then go unnoticed).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

CREATE_INSTANT_INVITE = 1 << 0
KICK_MEMBERS = 1 << 1
BAN_MEMBERS = 1 << 2
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_EXTERNAL_EMOJIS = 1 << 18
CONNECT = 1 << 20
SPEAK = 1 << 21
CHANGE_NICKNAME = 1 << 26
MANAGE_ROLES = 1 << 28
USE_APPLICATION_COMMANDS = 1 << 31
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38
MODERATE_MEMBERS = 1 << 40
SEND_POLLS = 1 << 49
USE_EXTERNAL_APPS = 1 << 50

ALL = (1 << 53) - 1
# Guild-wide permissions (kick, ban, admin, manage guild, audit log, insights, nicknames,
# expressions, timeouts, monetization). Everything else is channel-scoped, and a member
# who cannot see a channel implicitly loses all channel-scoped permissions there.
GUILD_ONLY = sum(1 << bit for bit in (1, 2, 3, 5, 7, 19, 26, 27, 30, 40, 41, 43))
ALL_CHANNEL = ALL & ~GUILD_ONLY

DEFAULT_EVERYONE = (
    CREATE_INSTANT_INVITE
    | ADD_REACTIONS
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_EXTERNAL_EMOJIS
    | CONNECT
    | SPEAK
    | CHANGE_NICKNAME
    | USE_APPLICATION_COMMANDS
    | CREATE_PUBLIC_THREADS
    | SEND_MESSAGES_IN_THREADS
    | SEND_POLLS
    | USE_EXTERNAL_APPS
)
DEFAULT_BOT = DEFAULT_EVERYONE | MANAGE_MESSAGES
# What an app may do in its DM with a user (sent as ``app_permissions`` in DMs).
DM_APP = (
    ADD_REACTIONS
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_EXTERNAL_EMOJIS
    | USE_APPLICATION_COMMANDS
    | SEND_POLLS
    | USE_EXTERNAL_APPS
)


class OverwriteLike(Protocol):
    id: int
    type: int
    allow: int
    deny: int


def compute(
    base: int,
    is_owner: bool,
    guild_id: int,
    user_id: int,
    role_ids: Iterable[int],
    overwrites: Iterable[OverwriteLike] | None,
) -> int:
    """Base permissions, then @everyone, role and member overwrites, in Discord's order.

    ``overwrites`` is None for guild-level permissions (no channel involved).
    """
    if is_owner or base & ADMINISTRATOR:
        return ALL
    if overwrites is None:
        return base
    by_target = {(o.type, o.id): o for o in overwrites}
    perms = base
    everyone = by_target.get((0, guild_id))
    if everyone:
        perms = (perms & ~everyone.deny) | everyone.allow
    allow = deny = 0
    for role_id in role_ids:
        ow = by_target.get((0, role_id))
        if ow:
            allow |= ow.allow
            deny |= ow.deny
    perms = (perms & ~deny) | allow
    member = by_target.get((1, user_id))
    if member:
        perms = (perms & ~member.deny) | member.allow
    if not perms & VIEW_CHANNEL:
        return perms & ~ALL_CHANNEL
    return perms


def as_str(value: Any) -> str:
    """Discord serialises permission bitsets as decimal strings (they exceed 2**53 soon)."""
    return str(int(value))
