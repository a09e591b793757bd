"""The fake Discord world the hardening tests run in: two servers, moderators, members, odd channels.

Server A has a plain member (alice), a member with Manage Server (manager), one with the server's
moderator role, a channel the bot may not post in and a voice channel (a wrong channel type for any
text-channel option). Server B has its own manager; server C (``third_server``) is for tests that fill
a server up. Strangers are not configured anywhere.
"""

from __future__ import annotations

from tests.fakediscord import Channel, Guild, Member, Overwrite, Role, User
from tests.fakediscord import perms as p
from tests.fakediscord.models import DEFAULT_GUILD_ID, default_users

A = DEFAULT_GUILD_ID
B = 1_400_000_000_000_000_001
C = 1_500_000_000_000_000_001

OWNER, ALICE = default_users()
MANAGER = User(id=1_300_000_000_000_000_301, username="manager")
MODDER = User(id=1_300_000_000_000_000_302, username="modder")
MANAGER_B = User(id=1_400_000_000_000_000_301, username="manager-b")
MANAGER_C = User(id=1_500_000_000_000_000_301, username="manager-c")
STRANGER = User(id=777_000_000_000_000_001, username="stranger")

MOD_ROLE = Role(A + 100, "massage-mods")
MANAGERS = Role(A + 101, "managers", permissions=p.MANAGE_GUILD)
MANAGERS_B = Role(B + 101, "managers", permissions=p.MANAGE_GUILD)
MANAGERS_C = Role(C + 101, "managers", permissions=p.MANAGE_GUILD)

GENERAL = Channel(A + 10, "general")
TIPS = Channel(A + 11, "tips")
LOCKED = Channel(A + 12, "locked", permission_overwrites=[Overwrite(A + 7, 0, deny=p.SEND_MESSAGES | p.EMBED_LINKS)])
VOICE = Channel(A + 13, "lounge", type=2)
GENERAL_B = Channel(B + 10, "general-b")
GENERAL_C = Channel(C + 10, "general-c")


def two_servers() -> list[Guild]:
    server_a = Guild(
        id=A,
        roles=[MOD_ROLE, MANAGERS],
        channels=[GENERAL, TIPS, LOCKED, VOICE],
        members=[Member(OWNER), Member(ALICE), Member(MANAGER, [MANAGERS.id]), Member(MODDER, [MOD_ROLE.id])],
    )
    server_b = Guild(
        id=B,
        name="Other Guild",
        roles=[MANAGERS_B],
        channels=[GENERAL_B],
        members=[Member(OWNER), Member(ALICE), Member(MANAGER_B, [MANAGERS_B.id])],
    )
    return [server_a, server_b]


def third_server() -> Guild:
    """Server C, kept apart from A and B for tests that fill a server up (many tips, many topics)."""
    return Guild(
        id=C,
        name="Crowded Guild",
        roles=[MANAGERS_C],
        channels=[GENERAL_C],
        members=[Member(OWNER), Member(ALICE), Member(MANAGER_C, [MANAGERS_C.id])],
    )
