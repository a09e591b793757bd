"""Two servers with plain members, a Manage Server member, a moderator-role member and a locked channel."""

from __future__ import annotations

import copy

from tests.fakediscord import Channel, Guild, Member, Overwrite, Role, User
from tests.fakediscord import perms as p
from tests.fakediscord.models import DEFAULT_GUILD_ID, default_users

A = DEFAULT_GUILD_ID
B = 1_400_000_000_000_000_001

ALICE = default_users()[1]  # a plain member of server A
MANAGER = User(id=1_300_000_000_000_000_301, username="manager")
MODDER = User(id=1_300_000_000_000_000_302, username="modder")
MANAGER_B = User(id=1_400_000_000_000_000_301, username="manager-b")

MOD_ROLE = Role(A + 100, "massage-mods")
MANAGERS = Role(A + 101, "managers", permissions=p.MANAGE_GUILD)
MANAGERS_B = Role(B + 101, "managers", permissions=p.MANAGE_GUILD)

GENERAL = Channel(A + 10, "general")
TIPS = Channel(A + 11, "tips")
LOCKED = Channel(A + 12, "locked", permission_overwrites=[Overwrite(A + 7, 0, deny=p.SEND_MESSAGES | p.EMBED_LINKS)])
ANNOUNCEMENTS = Channel(  # members (mod-role holders too) read only; managers and the bot may post
    A + 14,
    "announcements",
    permission_overwrites=[
        Overwrite(A, 0, deny=p.SEND_MESSAGES),
        Overwrite(A + 7, 0, allow=p.SEND_MESSAGES | p.EMBED_LINKS),
        Overwrite(A + 101, 0, allow=p.SEND_MESSAGES),
    ],
)
GENERAL_B = Channel(B + 10, "general-b")


def two_servers() -> list[Guild]:
    """Fresh objects each call: a test may change a channel's overwrites without touching the next test."""
    server_a = Guild(
        id=A,
        roles=[MOD_ROLE, MANAGERS],
        channels=[GENERAL, TIPS, LOCKED, ANNOUNCEMENTS],
        members=[Member(u) for u in default_users()]
        + [Member(MANAGER, roles=[MANAGERS.id]), Member(MODDER, roles=[MOD_ROLE.id])],
    )
    server_b = Guild(
        id=B,
        name="Other Guild",
        roles=[MANAGERS_B],
        channels=[GENERAL_B],
        members=[Member(u) for u in default_users()] + [Member(MANAGER_B, roles=[MANAGERS_B.id])],
    )
    return copy.deepcopy([server_a, server_b])
