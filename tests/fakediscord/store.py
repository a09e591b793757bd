"""Server-side state: messages per channel, DM channels, nonces, registered commands.

Why a store: tests assert on what ended up "on Discord" (``fake.messages(channel_id)``),
and discord.py reads some of it back (history, edits, the original interaction response).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from . import payloads
from .models import RecordedFile, User

NONCE_WINDOW_S = 300.0  # Discord keeps enforce_nonce keys "for a few minutes"


@dataclass
class Store:
    """Everything a client could read back from the fake Discord."""

    users: dict[int, User] = field(default_factory=dict)
    channel_messages: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    by_id: dict[int, dict[str, Any]] = field(default_factory=dict)
    dm_channels: dict[int, int] = field(default_factory=dict)  # recipient id -> channel id
    dm_recipients: dict[int, int] = field(default_factory=dict)  # channel id -> recipient id
    closed_dms: set[int] = field(default_factory=set)
    nonces: dict[tuple[int, str], tuple[float, int]] = field(default_factory=dict)
    commands: dict[int | None, list[dict[str, Any]]] = field(default_factory=dict)  # guild id (None global)

    def user(self, user_id: int) -> User:
        known = self.users.get(user_id)
        if known is None:
            known = self.users[user_id] = User(user_id, f"user{user_id % 10000}")
        return known

    def dm_channel_for(self, recipient_id: int) -> int:
        """The same DM channel id every time for a recipient, as on Discord."""
        channel_id = self.dm_channels.get(recipient_id)
        if channel_id is None:
            channel_id = self.dm_channels[recipient_id] = payloads.snowflake()
            self.dm_recipients[channel_id] = recipient_id
        return channel_id

    def nonce_hit(self, channel_id: int, nonce: str) -> dict[str, Any] | None:
        seen = self.nonces.get((channel_id, nonce))
        if seen is None or time.monotonic() - seen[0] > NONCE_WINDOW_S:
            return None
        return self.by_id.get(seen[1])

    def create_message(
        self,
        channel_id: int,
        author: User,
        body: dict[str, Any],
        files: list[RecordedFile],
        *,
        store: bool = True,
        **extra: Any,
    ) -> dict[str, Any]:
        """Build a message the way Discord echoes a create; keep it unless ``store`` is False."""
        message_id = payloads.snowflake()
        mentioned, roles, everyone = payloads.mentions(body, self.users)
        message: dict[str, Any] = {
            "type": 0,
            "content": body.get("content") or "",
            "mentions": mentioned,
            "mention_roles": roles,
            "attachments": payloads.attachments(channel_id, body.get("attachments"), files),
            "embeds": payloads.embeds(body.get("embeds")),
            "timestamp": payloads.now_iso(),
            "edited_timestamp": None,
            "flags": int(body.get("flags") or 0),
            "components": payloads.number_components(body.get("components") or []),
            "id": str(message_id),
            "channel_id": str(channel_id),
            "author": payloads.user(author),
            "pinned": False,
            "mention_everyone": everyone,
            "tts": bool(body.get("tts")),
        }
        if body.get("nonce") is not None:
            message["nonce"] = body["nonce"]
        if body.get("poll"):
            message["poll"] = body["poll"]
        reference = body.get("message_reference")
        if isinstance(reference, dict) and reference.get("message_id"):
            message["type"] = 19
            referenced = self.by_id.get(int(reference["message_id"]))
            message["message_reference"] = {
                "type": 0,
                "channel_id": str(reference.get("channel_id") or channel_id),
                "message_id": str(reference["message_id"]),
            }
            message["referenced_message"] = referenced
        message.update(extra)
        if store:
            self.keep(message)
            nonce = body.get("nonce")
            if nonce is not None and body.get("enforce_nonce"):
                self.nonces[(channel_id, str(nonce))] = (time.monotonic(), message_id)
        return message

    def keep(self, message: dict[str, Any]) -> None:
        self.by_id[int(message["id"])] = message
        self.channel_messages.setdefault(int(message["channel_id"]), []).append(message)

    def edit_message(self, message: dict[str, Any], body: dict[str, Any], files: list[RecordedFile]) -> None:
        """Apply a PATCH in place (keys absent from the body are left alone, as on Discord)."""
        if "content" in body:
            message["content"] = body["content"] or ""
            mentioned, roles, everyone = payloads.mentions(body, self.users)
            message.update(mentions=mentioned, mention_roles=roles, mention_everyone=everyone)
        if "embeds" in body:
            message["embeds"] = payloads.embeds(body["embeds"])
        if "components" in body:
            message["components"] = payloads.number_components(body["components"] or [])
        if "flags" in body and body["flags"] is not None:
            message["flags"] = (int(body["flags"]) & ~64) | (message["flags"] & 64)  # visibility is fixed
        if "attachments" in body or files:
            meta = body.get("attachments")
            message["attachments"] = payloads.attachments(int(message["channel_id"]), meta, files)
        message["flags"] &= ~128  # an edit ends the "thinking..." state of a deferred reply
        message["edited_timestamp"] = payloads.now_iso()

    def delete_message(self, message_id: int) -> bool:
        message = self.by_id.pop(message_id, None)
        if message is None:
            return False
        history = self.channel_messages.get(int(message["channel_id"]), [])
        history[:] = [m for m in history if m["id"] != message["id"]]
        return True

    def history(
        self, channel_id: int, limit: int, before: int | None, after: int | None, around: int | None
    ) -> list[dict[str, Any]]:
        """``GET /channels/{id}/messages``: newest first, like Discord."""
        items = sorted(self.channel_messages.get(channel_id, []), key=lambda m: int(m["id"]))
        if around is not None:
            older = [m for m in items if int(m["id"]) <= around][-(limit // 2 + 1) :]
            newer = [m for m in items if int(m["id"]) > around][: limit - len(older)]
            return list(reversed(older + newer))
        if before is not None:
            items = [m for m in items if int(m["id"]) < before]
        if after is not None:
            items = [m for m in items if int(m["id"]) > after][:limit]
            return list(reversed(items))
        return list(reversed(items[-limit:]))
