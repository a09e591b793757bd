"""Guild values shared by storage and the services: plain frozen values, built by bot/storage.

Below both, so storage never imports a service package; `bot.guilds.models` re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

TIP_ID_PREFIX = "server-"


class AuditAction(StrEnum):
    SET_MOD_ROLE = "set-mod-role"
    SET_LOG_CHANNEL = "set-log-channel"
    ADD_TIP = "add-tip"
    EDIT_TIP = "edit-tip"
    REMOVE_TIP = "remove-tip"
    POST_TIP = "post-tip"
    SET_DAILY_TIP = "set-daily-tip"
    STOP_DAILY_TIP = "stop-daily-tip"
    DAILY_TIP_TURNED_OFF = "daily-tip-turned-off"


@dataclass(frozen=True)
class GuildConfig:
    """A server's settings; a server the bot has never stored anything for has the defaults."""

    guild_id: int
    mod_role_id: int | None = None
    log_channel_id: int | None = None
    left_at: datetime | None = None


@dataclass(frozen=True)
class AuditEntry:
    """One moderator action. actor_id None: the bot itself.

    `detail` is written by the bot from ids, topics and times, never from a member's free text; it may
    contain channel and role mentions (`<#id>`, `<@&id>`), which render but never ping in an embed.
    """

    id: int
    guild_id: int
    actor_id: int | None
    action: AuditAction
    detail: str
    at: datetime


@dataclass(frozen=True)
class TipFields:
    """The checked, cleaned fields of a server tip, as a moderator typed them (see tip_input)."""

    text: str
    topic: str
    source_name: str
    source_url: str


@dataclass(frozen=True)
class GuildTip:
    id: int
    guild_id: int
    fields: TipFields
    author_id: int
    created_at: datetime
    edited_at: datetime | None

    @property
    def ref(self) -> str:
        """The id members see and type, e.g. server-12; it never collides with a built-in tip's id."""
        return f"{TIP_ID_PREFIX}{self.id}"
