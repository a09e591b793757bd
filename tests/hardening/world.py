"""The fake Discord world the hardening tests run in: two servers, moderators, members, odd channels.

Server A has a plain member (alice), a member with Manage Server (manager), one with the server's
moderator role, a channel the bot may not post in and a voice channel (a wrong channel type for any
text-channel option). Server B has its own manager; server C (``third_server``) is for tests that fill
a server up. Strangers are not configured anywhere.
"""

from __future__ import annotations

from tests.exts.moderation_world import (
    ALICE,
    GENERAL,
    GENERAL_B,
    LOCKED,
    MANAGER,
    MANAGER_B,
    MANAGERS,
    MANAGERS_B,
    MOD_ROLE,
    MODDER,
    TIPS,
    A,
    B,
)
from tests.exts.moderation_world import two_servers as moderation_servers
from tests.fakediscord import Channel, Guild, Member, Role, User
from tests.fakediscord import perms as p
from tests.fakediscord.models import default_users

__all__ = [
    "ALICE",
    "GENERAL",
    "GENERAL_B",
    "LOCKED",
    "MANAGER",
    "MANAGERS",
    "MANAGERS_B",
    "MANAGER_B",
    "MODDER",
    "MOD_ROLE",
    "TIPS",
    "A",
    "B",
]

C = 1_500_000_000_000_000_001

OWNER = default_users()[0]
MANAGER_C = User(id=1_500_000_000_000_000_301, username="manager-c")
STRANGER = User(id=777_000_000_000_000_001, username="stranger")
MANAGERS_C = Role(C + 101, "managers", permissions=p.MANAGE_GUILD)

VOICE = Channel(A + 13, "lounge", type=2)
GENERAL_C = Channel(C + 10, "general-c")


def two_servers() -> list[Guild]:
    """The moderation tests' two servers, plus a voice channel in A (a wrong type for any text option)."""
    servers = moderation_servers()
    servers[0].channels.append(VOICE)
    return servers


def third_server() -> Guild:
    """Server C, kept apart from A and B for tests that fill a server up (many tips, many topics)."""
    return Guild(
        id=C,
        name="Crowded Guild",
        roles=[MANAGERS_C],
        channels=[GENERAL_C],
        members=[Member(OWNER), Member(ALICE), Member(MANAGER_C, [MANAGERS_C.id])],
    )
