"""Configuration of the fake world (users, guilds, channels, roles) and what gets recorded.

Why dataclasses rather than raw dicts: tests configure a guild in a few readable lines and
the fake turns that into the exact payload shapes Discord sends (see ``payloads.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from . import perms

DEFAULT_GUILD_ID = 1_300_000_000_000_000_001
DEFAULT_CHANNEL_ID = 1_300_000_000_000_000_101
DEFAULT_APP_ID = 1_300_000_000_000_000_900
OWNER_ID = 1_300_000_000_000_000_201
ALICE_ID = 1_300_000_000_000_000_202
JOINED_AT = "2024-01-15T12:00:00.000000+00:00"


@dataclass
class User:
    """A Discord account. ``global_name`` is the display name, ``username`` the handle."""

    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    avatar: str | None = None


@dataclass
class Role:
    """A guild role. The ``@everyone`` role has ``id == guild.id`` (Discord's convention)."""

    id: int
    name: str
    permissions: int = 0
    position: int = 1
    color: int = 0
    hoist: bool = False
    mentionable: bool = False
    managed: bool = False
    bot_id: int | None = None  # set on the bot's own integration role (its "tags")


@dataclass
class Overwrite:
    """A channel permission overwrite; ``type`` 0 targets a role, 1 a member."""

    id: int
    type: int = 0
    allow: int = 0
    deny: int = 0


@dataclass
class Channel:
    """A guild channel; ``type`` 0 text, 2 voice, 4 category, 5 announcement, 15 forum."""

    id: int
    name: str
    type: int = 0
    position: int = 0
    parent_id: int | None = None
    topic: str | None = None
    nsfw: bool = False
    rate_limit_per_user: int = 0
    permission_overwrites: list[Overwrite] = field(default_factory=list)


@dataclass
class Member:
    """A user's membership in a guild (role ids exclude ``@everyone``, as on Discord)."""

    user: User
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = JOINED_AT


def default_users() -> list[User]:
    return [User(OWNER_ID, "owner", "Guild Owner"), User(ALICE_ID, "alice", "Alice")]


@dataclass
class Guild:
    """A guild as GUILD_CREATE describes it.

    ``everyone_permissions`` becomes the ``@everyone`` role (id = guild id). The bot gets a
    managed integration role with ``bot_permissions`` and is added as a member by the fake.
    """

    id: int = DEFAULT_GUILD_ID
    name: str = "Knead Test Guild"
    owner_id: int = OWNER_ID
    everyone_permissions: int = perms.DEFAULT_EVERYONE
    bot_permissions: int = perms.DEFAULT_BOT
    roles: list[Role] = field(default_factory=list)
    channels: list[Channel] = field(default_factory=lambda: [Channel(DEFAULT_CHANNEL_ID, "general")])
    members: list[Member] = field(default_factory=lambda: [Member(u) for u in default_users()])
    preferred_locale: str = "en-US"
    features: list[str] = field(default_factory=list)
    bot_role_id: int = 0  # 0: derived from the guild id
    bot_id: int | None = None  # filled in by FakeDiscord, which also adds the bot as a member

    def __post_init__(self) -> None:
        if not self.bot_role_id:
            self.bot_role_id = self.id + 7

    def channel(self, channel_id: int) -> Channel | None:
        return next((c for c in self.channels if c.id == channel_id), None)

    def member(self, user_id: int) -> Member | None:
        return next((m for m in self.members if m.user.id == user_id), None)

    def role(self, role_id: int) -> Role | None:
        return next((r for r in self.all_roles() if r.id == role_id), None)

    def all_roles(self) -> list[Role]:
        everyone = Role(self.id, "@everyone", self.everyone_permissions, position=0)
        roles = [everyone, *self.roles]
        if self.bot_id is not None:
            bot = Role(self.bot_role_id, "kneadbot", self.bot_permissions, 1, managed=True, bot_id=self.bot_id)
            roles.append(bot)
        return roles

    def permissions_for(self, user_id: int, channel_id: int | None) -> int:
        """Permissions of a member, in a channel when given (Discord's documented algorithm).

        A user missing from ``members`` counts as a member with no roles.
        """
        member = self.member(user_id)
        role_ids = member.roles if member is not None else []
        role_perms = {r.id: r.permissions for r in self.all_roles()}
        base = self.everyone_permissions
        for role_id in role_ids:
            base |= role_perms.get(role_id, 0)
        channel = self.channel(channel_id) if channel_id is not None else None
        overwrites = channel.permission_overwrites if channel else None
        return perms.compute(base, user_id == self.owner_id, self.id, user_id, role_ids, overwrites)


@dataclass
class RecordedFile:
    """An uploaded attachment (``files[n]`` part of a multipart request)."""

    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class RecordedRequest:
    """One HTTP request the bot made, and how the fake answered it."""

    method: str
    path: str  # below /api/v10, e.g. "/channels/1/messages"
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    files: list[RecordedFile]
    status: int = 0
    operation_id: str | None = None
    response: Any = None


# Where the middleware leaves the parsed request for the route handlers.
RECORD: web.RequestKey[RecordedRequest] = web.RequestKey("fakediscord_record", RecordedRequest)


@dataclass
class InteractionReply:
    """The bot's answer to an interaction (its single callback), in test-friendly form.

    ``type``: 4 message, 5 deferred (thinking), 6 deferred update, 7 update message,
    8 autocomplete result, 9 modal.
    """

    interaction_id: int
    token: str
    type: int
    data: dict[str, Any]
    files: list[RecordedFile]
    message: dict[str, Any] | None  # the message created/updated on Discord's side, if any

    @property
    def content(self) -> str | None:
        return self.data.get("content")

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return list(self.data.get("embeds") or [])

    @property
    def components(self) -> list[dict[str, Any]]:
        return list(self.data.get("components") or [])

    @property
    def flags(self) -> int:
        return int(self.data.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & 64)

    @property
    def choices(self) -> list[dict[str, Any]]:
        return list(self.data.get("choices") or [])

    @property
    def allowed_mentions(self) -> dict[str, Any] | None:
        return self.data.get("allowed_mentions")

    @property
    def custom_ids(self) -> list[str]:
        """Every ``custom_id`` in the components (buttons, selects, modal inputs)."""
        return list(iter_custom_ids(self.components))


def iter_custom_ids(components: list[Any]) -> list[str]:
    found: list[str] = []
    for component in components:
        if not isinstance(component, dict):
            continue
        if "custom_id" in component:
            found.append(component["custom_id"])
        found += iter_custom_ids(component.get("components") or [])
        if isinstance(component.get("component"), dict):
            found += iter_custom_ids([component["component"]])
        if isinstance(component.get("accessory"), dict):
            found += iter_custom_ids([component["accessory"]])
    return found
