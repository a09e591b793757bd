"""Builders for the JSON objects Discord returns (users, guilds, channels, messages...).

Why hand-written shapes: discord.py indexes many keys directly (``data['flags']``,
``data['roles']``...), so a missing key raises inside the library. These follow the
response schemas of openapi.json (the test suite checks that) and current gateway payloads.
"""

from __future__ import annotations

import datetime
import itertools
import re
import threading
import time
from typing import Any

from . import perms
from .models import Channel, Guild, Member, RecordedFile, Role, User

DISCORD_EPOCH_MS = 1_420_070_400_000
_counter = itertools.count()
_lock = threading.Lock()
CDN = "https://cdn.discordapp.com"
MENTION = re.compile(r"<@!?(\d+)>")
ROLE_MENTION = re.compile(r"<@&(\d+)>")


_clock_offset_s = 0.0


def set_clock_offset(seconds: float) -> None:
    """Run Discord's clock this far ahead of the wall clock (as a test runs the bot's clock ahead), so
    message ids and timestamps agree with the bot's idea of "now". Never moved backwards in a test."""
    global _clock_offset_s
    _clock_offset_s = seconds


def snowflake() -> int:
    """A fresh, increasing snowflake (timestamp-based, so ``created_at`` looks right)."""
    with _lock:
        increment = next(_counter) & 0xFFF
    ms = int((time.time() + _clock_offset_s) * 1000) - DISCORD_EPOCH_MS
    return (ms << 22) | (1 << 17) | increment


def now_iso() -> str:
    moment = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=_clock_offset_s)
    return moment.isoformat()


def user(u: User) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(u.id),
        "username": u.username,
        "avatar": u.avatar,
        "discriminator": "0",
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "global_name": u.global_name,
        "avatar_decoration_data": None,
        "collectibles": None,
        "primary_guild": None,
    }
    if u.bot:
        data["bot"] = True
    return data


def me(u: User) -> dict[str, Any]:
    """``GET /users/@me`` for a bot token."""
    return {**user(u), "mfa_enabled": False, "locale": "en-US", "premium_type": 0, "email": None, "verified": True}


def role(r: Role) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(r.id),
        "name": r.name,
        "description": None,
        "permissions": perms.as_str(r.permissions),
        "position": r.position,
        "color": r.color,
        "colors": {"primary_color": r.color, "secondary_color": None, "tertiary_color": None},
        "hoist": r.hoist,
        "managed": r.managed,
        "mentionable": r.mentionable,
        "icon": None,
        "unicode_emoji": None,
        "flags": 0,
    }
    if r.bot_id is not None:
        data["tags"] = {"bot_id": str(r.bot_id)}
    return data


def member(m: Member, permissions: int | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "user": user(m.user),
        "roles": [str(r) for r in m.roles],
        "nick": m.nick,
        "avatar": None,
        "banner": None,
        "premium_since": None,
        "joined_at": m.joined_at,
        "pending": False,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "communication_disabled_until": None,
        "unusual_dm_activity_until": None,
    }
    if permissions is not None:
        data["permissions"] = perms.as_str(permissions)
    return data


def channel(c: Channel, guild_id: int, last_message_id: int | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(c.id),
        "type": c.type,
        "guild_id": str(guild_id),
        "name": c.name,
        "position": c.position,
        "parent_id": str(c.parent_id) if c.parent_id else None,
        "flags": 0,
        "nsfw": c.nsfw,
        "permission_overwrites": [
            {"id": str(o.id), "type": o.type, "allow": perms.as_str(o.allow), "deny": perms.as_str(o.deny)}
            for o in c.permission_overwrites
        ],
    }
    if c.type in (0, 5, 15):
        data |= {"topic": c.topic, "rate_limit_per_user": c.rate_limit_per_user, "last_message_id": None}
        data["default_auto_archive_duration"] = 4320
        if last_message_id:
            data["last_message_id"] = str(last_message_id)
    if c.type == 2:
        data |= {"bitrate": 64000, "user_limit": 0, "rtc_region": None, "rate_limit_per_user": 0}
    return data


def dm_channel(channel_id: int, recipient: User, last_message_id: int | None = None) -> dict[str, Any]:
    return {
        "id": str(channel_id),
        "type": 1,
        "last_message_id": str(last_message_id) if last_message_id else None,
        "flags": 0,
        "recipients": [user(recipient)],
    }


def guild_create(guild: Guild, members: list[Member]) -> dict[str, Any]:
    """A GUILD_CREATE ``d``; ``member_count`` matches the members sent so no chunking starts."""
    return {
        "id": str(guild.id),
        "name": guild.name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(guild.owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 1,
        "default_message_notifications": 1,
        "explicit_content_filter": 2,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "premium_progress_bar_enabled": False,
        "preferred_locale": guild.preferred_locale,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "vanity_url_code": None,
        "max_members": 500000,
        "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50,
        "application_id": None,
        "features": list(guild.features),
        "roles": [role(r) for r in guild.all_roles()],
        "emojis": [],
        "stickers": [],
        "soundboard_sounds": [],
        "channels": [{k: v for k, v in channel(c, guild.id).items() if k != "guild_id"} for c in guild.channels],
        "threads": [],
        "members": [member(m) for m in members],
        "member_count": len(members),
        "presences": [],
        "voice_states": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "embedded_activities": [],
        "joined_at": "2024-01-15T12:00:00.000000+00:00",
        "large": False,
        "lazy": True,
        "unavailable": False,
        "incidents_data": None,
        "version": 1,
    }


def application(bot: User, owner: User) -> dict[str, Any]:
    """``GET /oauth2/applications/@me``: no interactions endpoint, so events use the gateway."""
    return {
        "id": str(bot.id),
        "name": bot.username,
        "icon": None,
        "description": "",
        "type": None,
        "bot": user(bot),
        "summary": "",
        "rpc_origins": [],
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "flags": 1 << 19 | 1 << 23,  # GATEWAY_GUILD_MEMBERS_LIMITED | MESSAGE_CONTENT_LIMITED
        "flags_new": "8912896",
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "role_connections_verification_url": None,
        "owner": user(owner),
        "approximate_guild_count": 1,
        "approximate_user_install_count": 0,
        "approximate_user_authorization_count": 0,
        "explicit_content_filter": 0,
        "team": None,
        "eligible_oauth2_scopes": [],
        "hook": True,
        "tags": [],
        "integration_types_config": {"0": {}},
    }


def number_components(components: list[Any], start: int = 1) -> list[Any]:
    """Copy components the way Discord echoes them: every component gets a numeric ``id``."""
    counter = itertools.count(start)

    def walk(items: list[Any]) -> list[Any]:
        out = []
        for item in items:
            if not isinstance(item, dict):
                out.append(item)
                continue
            copy = dict(item)
            if copy.get("id") is None:
                copy["id"] = next(counter)
            for key in ("components", "items"):
                if isinstance(copy.get(key), list):
                    copy[key] = walk(copy[key])
            for key in ("accessory", "component"):
                if isinstance(copy.get(key), dict):
                    copy[key] = walk([copy[key]])[0]
            out.append(copy)
        return out

    return walk(components)


def embeds(raw: list[Any] | None) -> list[dict[str, Any]]:
    return [{"type": "rich", **e} for e in raw or [] if isinstance(e, dict)]


def attachments(channel_id: int, meta: list[Any] | None, files: list[RecordedFile]) -> list[dict[str, Any]]:
    """Turn ``attachments`` metadata + uploaded ``files[n]`` parts into attachment objects."""
    out: list[dict[str, Any]] = []
    by_index = {f.field: f for f in files}
    for item in meta or [{"id": i} for i in range(len(files))]:
        if not isinstance(item, dict):
            continue
        upload = by_index.get(f"files[{item.get('id')}]")
        if upload is None:
            if "url" in item or "size" in item:
                out.append(item)  # an existing attachment being kept on edit
            continue
        attachment_id = snowflake()
        filename = item.get("filename") or upload.filename
        url = f"{CDN}/attachments/{channel_id}/{attachment_id}/{filename}"
        data = {
            "id": str(attachment_id),
            "filename": filename,
            "size": len(upload.data),
            "url": url,
            "proxy_url": url.replace(CDN, "https://media.discordapp.net"),
            "content_type": upload.content_type,
        }
        if item.get("description"):
            data["description"] = item["description"]
        out.append(data)
    return out


def mentions(body: dict[str, Any], known: dict[int, User]) -> tuple[list[dict[str, Any]], list[str], bool]:
    """Who gets pinged, honouring ``allowed_mentions`` (absent means "parse everything")."""
    content = body.get("content") or ""
    allowed = body.get("allowed_mentions")
    parse = {"users", "roles", "everyone"} if allowed is None else set(allowed.get("parse") or [])
    explicit_users = {int(x) for x in (allowed or {}).get("users") or []}
    explicit_roles = {int(x) for x in (allowed or {}).get("roles") or []}
    user_ids = [int(x) for x in MENTION.findall(content)]
    users = [
        user(known[uid])
        for uid in dict.fromkeys(user_ids)
        if uid in known and ("users" in parse or uid in explicit_users)
    ]
    roles = [r for r in dict.fromkeys(ROLE_MENTION.findall(content)) if "roles" in parse or int(r) in explicit_roles]
    everyone = "everyone" in parse and ("@everyone" in content or "@here" in content)
    return users, roles, everyone
