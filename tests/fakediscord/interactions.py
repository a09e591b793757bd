"""Acting as a Discord user: INTERACTION_CREATE payloads as Discord sends them today.

Why so many keys: discord.py's ``Interaction._from_data`` indexes ``attachment_size_limit``,
``version``, ``token``... directly, resolves the channel from ``channel``, and builds a
``Member`` (guild) or ``User`` (DM). Payloads here mirror real ones, including
``app_permissions``/``member.permissions`` computed from the configured roles/overwrites.
"""

from __future__ import annotations

import asyncio
import secrets
import time
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import payloads, perms
from .models import Channel, Guild, InteractionReply, Member, RecordedFile, Role, User

ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
OptionsArg = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None


@dataclass
class InteractionState:
    """Discord's side of one interaction: the token's lifetime, callback and messages."""

    payload: dict[str, Any]
    sent_at: float = field(default_factory=time.monotonic)
    reply: InteractionReply | None = None
    replied: asyncio.Event = field(default_factory=asyncio.Event)
    original: dict[str, Any] | None = None
    followups: list[dict[str, Any]] = field(default_factory=list)
    followup_added: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def id(self) -> int:
        return int(self.payload["id"])

    @property
    def token(self) -> str:
        return str(self.payload["token"])

    @property
    def channel_id(self) -> int:
        return int(self.payload["channel"]["id"])

    @property
    def guild_id(self) -> int | None:
        gid = self.payload.get("guild_id")
        return int(gid) if gid else None

    @property
    def user(self) -> dict[str, Any]:
        user: dict[str, Any] = self.payload["member"]["user"] if "member" in self.payload else self.payload["user"]
        return user


def new_token() -> str:
    # Real tokens start with base64("interaction:<id>:"); only uniqueness matters here.
    return "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(96)


def command_id_for(name: str) -> int:
    """A stable id for a command nobody synced (the tree looks commands up by name)."""
    return 1_300_000_000_000_100_000 + zlib.crc32(name.encode()) % 100_000


@dataclass
class Place:
    """Where an interaction happens: a guild channel (``guild`` set) or the bot's DM."""

    channel_id: int
    guild: Guild | None
    user: User


def _member_resolved(guild: Guild, m: Member, channel_id: int) -> dict[str, Any]:
    data = payloads.member(m, guild.permissions_for(m.user.id, channel_id))
    data.pop("user")
    data.pop("deaf")
    data.pop("mute")
    return data


def _channel_resolved(guild: Guild, c: Channel, user_id: int) -> dict[str, Any]:
    data = payloads.channel(c, guild.id)
    data["permissions"] = perms.as_str(guild.permissions_for(user_id, c.id))
    data.pop("permission_overwrites")
    return data


def build_options(options: OptionsArg, place: Place, resolved: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Options from ``{"name": value}``: python types pick the option type.

    bool -> 5, int -> 4, float -> 10, str -> 3, ``User``/``Member`` -> 6, ``Channel`` -> 7,
    ``Role`` -> 8 (those three also fill ``resolved`` like Discord does). A mapping value
    with a ``type`` key, or a list of raw option dicts, is passed through unchanged.
    """
    if options is None:
        return []
    if not isinstance(options, Mapping):
        return [dict(o) for o in options]
    out: list[dict[str, Any]] = []
    guild = place.guild
    for name, value in options.items():
        if isinstance(value, Mapping) and "type" in value:
            out.append({"name": name, **value})
        elif isinstance(value, bool):
            out.append({"name": name, "type": 5, "value": value})
        elif isinstance(value, int):
            out.append({"name": name, "type": 4, "value": value})
        elif isinstance(value, float):
            out.append({"name": name, "type": 10, "value": value})
        elif isinstance(value, str):
            out.append({"name": name, "type": 3, "value": value})
        elif isinstance(value, User | Member):
            u = value.user if isinstance(value, Member) else value
            resolved.setdefault("users", {})[str(u.id)] = payloads.user(u)
            m = guild.member(u.id) if guild else None
            if guild is not None and m is not None:
                resolved.setdefault("members", {})[str(u.id)] = _member_resolved(guild, m, place.channel_id)
            out.append({"name": name, "type": 6, "value": str(u.id)})
        elif isinstance(value, Channel) and guild is not None:
            resolved.setdefault("channels", {})[str(value.id)] = _channel_resolved(guild, value, place.user.id)
            out.append({"name": name, "type": 7, "value": str(value.id)})
        elif isinstance(value, Role) and guild is not None:
            resolved.setdefault("roles", {})[str(value.id)] = payloads.role(value)
            out.append({"name": name, "type": 8, "value": str(value.id)})
        else:
            raise TypeError(f"option {name!r}: cannot infer a Discord option type for {value!r}")
    return out


def nest_subcommands(path: list[str], leaf_options: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``["group", "sub"]`` -> subcommand group > subcommand > options (Discord's nesting)."""
    if not path:
        return leaf_options
    if len(path) == 1:
        return [{"name": path[0], "type": 1, "options": leaf_options}]
    return [{"name": path[0], "type": 2, "options": nest_subcommands(path[1:], leaf_options)}]


def mark_focused(options: list[dict[str, Any]], focused: str) -> bool:
    for option in options:
        if option.get("type") in (1, 2):
            if mark_focused(option.get("options", []), focused):
                return True
        elif option.get("name") == focused:
            option["focused"] = True
            option["value"] = str(option.get("value", ""))
            return True
    return False


def find_component(components: list[Any], custom_id: str) -> dict[str, Any] | None:
    for component in components:
        if not isinstance(component, dict):
            continue
        if component.get("custom_id") == custom_id:
            return component
        children = list(component.get("components") or [])
        children += [component[k] for k in ("accessory", "component") if isinstance(component.get(k), dict)]
        found = find_component(children, custom_id)
        if found is not None:
            return found
    return None


def modal_submit_components(modal: list[Any], values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Mirror the modal the bot sent (rows or labels), filling in what the user typed."""
    out: list[dict[str, Any]] = []
    for component in modal:
        ctype = component.get("type")
        if ctype == 1:
            out.append(
                {
                    "type": 1,
                    "id": component.get("id"),
                    "components": modal_submit_components(component.get("components") or [], values),
                }
            )
        elif ctype == 18:
            inner = modal_submit_components([component["component"]], values)[0]
            out.append({"type": 18, "id": component.get("id"), "component": inner})
        elif ctype == 4:
            value = values.get(component["custom_id"], component.get("value") or "")
            out.append({"type": 4, "id": component.get("id"), "custom_id": component["custom_id"], "value": value})
        elif "custom_id" in component:  # selects inside labels
            chosen = values.get(component["custom_id"], [])
            chosen = [chosen] if isinstance(chosen, str) else list(chosen)
            out.append(
                {"type": ctype, "id": component.get("id"), "custom_id": component["custom_id"], "values": chosen}
            )
        else:
            out.append({"type": ctype, "id": component.get("id")})
    return out


def base_payload(
    itype: int,
    data: dict[str, Any],
    place: Place,
    bot: User,
    *,
    dm_channel: dict[str, Any],
    locale: str,
    message: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The envelope shared by every interaction type."""
    interaction_id = payloads.snowflake()
    payload: dict[str, Any] = {
        "id": str(interaction_id),
        "application_id": str(bot.id),
        "type": itype,
        "data": data,
        "token": new_token(),
        "version": 1,
        "locale": locale,
        "entitlements": [],
        "entitlement_sku_ids": [],
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        "channel_id": str(place.channel_id),
    }
    guild = place.guild
    if guild is not None:
        channel = guild.channel(place.channel_id)
        if channel is None:
            raise ValueError(f"channel {place.channel_id} is not in guild {guild.id}")
        member = guild.member(place.user.id) or Member(place.user)  # unconfigured: @everyone only
        user_perms = guild.permissions_for(member.user.id, channel.id)
        channel_data = payloads.channel(channel, guild.id)
        channel_data["permissions"] = perms.as_str(user_perms)
        payload |= {
            "guild_id": str(guild.id),
            "guild": {"id": str(guild.id), "locale": guild.preferred_locale, "features": list(guild.features)},
            "guild_locale": guild.preferred_locale,
            "member": payloads.member(member, user_perms),
            "channel": channel_data,
            "app_permissions": perms.as_str(guild.permissions_for(bot.id, channel.id)),
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
        }
    else:
        payload |= {
            "user": payloads.user(place.user),
            "channel": dm_channel,
            "app_permissions": perms.as_str(perms.DM_APP),
            "authorizing_integration_owners": {"0": "0"},
            "context": 1,
        }
    if message is not None:
        payload["message"] = message
    return payload


def reply_from_callback(
    state: InteractionState, body: dict[str, Any], files: list[RecordedFile], message: dict[str, Any] | None
) -> InteractionReply:
    return InteractionReply(state.id, state.token, int(body["type"]), dict(body.get("data") or {}), files, message)
