"""REST routes for the bot's own API use: login, channels, messages, DMs, commands.

Why these answers: each mirrors what Discord returns for the route (status, JSON shape and
error ``code``), so discord.py raises the same exceptions (``Forbidden`` with code 50007
for closed DMs, ``NotFound`` 10003 for unknown channels) as in production.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import payloads, perms
from .faults import error_response, json_response
from .models import RECORD, Channel

if TYPE_CHECKING:
    from .server import FakeDiscord

API = "/api/v10"


def add_routes(app: web.Application, fake: FakeDiscord) -> None:
    r = Rest(fake)
    add = app.router.add_route
    add("GET", API + "/gateway", r.gateway)
    add("GET", API + "/gateway/bot", r.gateway_bot)
    add("GET", API + "/users/@me", r.me)
    add("POST", API + "/users/@me/channels", r.create_dm)
    add("GET", API + "/users/{user_id:\\d+}", r.get_user)
    add("GET", API + "/oauth2/applications/@me", r.application)
    add("GET", API + "/applications/@me", r.application)
    add("GET", API + "/channels/{channel_id:\\d+}", r.get_channel)
    add("GET", API + "/channels/{channel_id:\\d+}/messages", r.list_messages)
    add("POST", API + "/channels/{channel_id:\\d+}/messages", r.create_message)
    add("POST", API + "/channels/{channel_id:\\d+}/typing", r.no_content)
    add("GET", API + "/channels/{channel_id:\\d+}/messages/{message_id:\\d+}", r.get_message)
    add("PATCH", API + "/channels/{channel_id:\\d+}/messages/{message_id:\\d+}", r.edit_message)
    add("DELETE", API + "/channels/{channel_id:\\d+}/messages/{message_id:\\d+}", r.delete_message)
    add("PUT", API + "/channels/{channel_id:\\d+}/messages/{message_id:\\d+}/reactions/{emoji}/@me", r.no_content)
    add("GET", API + "/guilds/{guild_id:\\d+}/members/{user_id:\\d+}", r.get_member)
    add("GET", API + "/guilds/{guild_id:\\d+}/roles", r.get_roles)
    add("GET", API + "/guilds/{guild_id:\\d+}/channels", r.get_channels)
    for prefix in ("/applications/{app_id:\\d+}", "/applications/{app_id:\\d+}/guilds/{guild_id:\\d+}"):
        add("PUT", API + prefix + "/commands", r.put_commands)
        add("GET", API + prefix + "/commands", r.get_commands)


def _int(request: web.Request, key: str) -> int:
    return int(request.match_info[key])


class Rest:
    """Route handlers; state lives on the ``FakeDiscord`` they were made for."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake

    async def no_content(self, request: web.Request) -> web.Response:
        return web.Response(status=204)

    async def gateway(self, request: web.Request) -> web.Response:
        return json_response({"url": self.fake.gateway_url.rstrip("/")})

    async def gateway_bot(self, request: web.Request) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1}
        return json_response(
            {"url": self.fake.gateway_url.rstrip("/"), "shards": self.fake.shard_count, "session_start_limit": limit}
        )

    async def me(self, request: web.Request) -> web.Response:
        return json_response(payloads.me(self.fake.bot))

    async def application(self, request: web.Request) -> web.Response:
        owner = self.fake.store.user(self.fake.guild.owner_id) if self.fake.guilds else self.fake.bot
        return json_response(payloads.application(self.fake.bot, owner))

    async def get_user(self, request: web.Request) -> web.Response:
        user = self.fake.store.users.get(_int(request, "user_id"))
        return json_response(payloads.user(user)) if user else error_response(404, 10013)

    async def create_dm(self, request: web.Request) -> web.Response:
        body = request[RECORD].json or {}
        if not body.get("recipient_id"):
            return error_response(400, 50035, errors={"recipient_id": {"_errors": [{"code": "BASE_TYPE_REQUIRED"}]}})
        recipient = self.fake.store.user(int(body["recipient_id"]))
        return json_response(self.fake.dm_channel_payload(recipient))

    async def get_channel(self, request: web.Request) -> web.Response:
        channel_id = _int(request, "channel_id")
        guild, where = self.fake.locate(channel_id)
        if where is None:
            return error_response(404, 10003)
        if guild is None:
            return json_response(self.fake.dm_channel_payload(where))
        if not guild.permissions_for(self.fake.bot.id, channel_id) & perms.VIEW_CHANNEL:
            return error_response(403, 50001)
        history = self.fake.store.channel_messages.get(channel_id) or []
        last = int(history[-1]["id"]) if history else None
        return json_response(payloads.channel(where, guild.id, last))

    def _readable(self, channel_id: int) -> web.Response | None:
        guild, where = self.fake.locate(channel_id)
        if where is None:
            return error_response(404, 10003)
        if guild is not None:
            granted = guild.permissions_for(self.fake.bot.id, channel_id)
            if not granted & perms.VIEW_CHANNEL:
                return error_response(403, 50001)
            if not granted & perms.READ_MESSAGE_HISTORY:
                return error_response(403, 50013)
        return None

    def _sees_without_history(self, channel_id: int) -> bool:
        """A guild channel the bot can view but not read the history of."""
        guild, where = self.fake.locate(channel_id)
        if guild is None or where is None:
            return False
        granted = guild.permissions_for(self.fake.bot.id, channel_id)
        return bool(granted & perms.VIEW_CHANNEL) and not granted & perms.READ_MESSAGE_HISTORY

    async def list_messages(self, request: web.Request) -> web.Response:
        channel_id = _int(request, "channel_id")
        if self._sees_without_history(channel_id):
            return json_response([])  # Discord's documented answer: "no messages will be returned"
        refused = self._readable(channel_id)
        if refused is not None:
            return refused
        q = request.query
        limit = max(1, min(100, int(q.get("limit", 50))))

        def opt(key: str) -> int | None:
            return int(q[key]) if q.get(key) else None

        found = self.fake.store.history(channel_id, limit, opt("before"), opt("after"), opt("around"))
        return json_response(found)

    async def get_message(self, request: web.Request) -> web.Response:
        refused = self._readable(_int(request, "channel_id"))
        if refused is not None:
            return refused
        message = self.fake.store.by_id.get(_int(request, "message_id"))
        if message is None or int(message["channel_id"]) != _int(request, "channel_id"):
            return error_response(404, 10008)
        return json_response(message)

    async def create_message(self, request: web.Request) -> web.Response:
        fake, record = self.fake, request[RECORD]
        channel_id = _int(request, "channel_id")
        body: dict[str, Any] = record.json or {}
        guild, where = fake.locate(channel_id)
        if where is None:
            return error_response(404, 10003)
        if guild is not None:
            granted = guild.permissions_for(fake.bot.id, channel_id)
            if not granted & perms.VIEW_CHANNEL:
                return error_response(403, 50001)
            needed = perms.SEND_MESSAGES | (perms.ATTACH_FILES if record.files else 0)
            if isinstance(where, Channel) and where.type in (11, 12):
                needed = perms.SEND_MESSAGES_IN_THREADS
            if granted & needed != needed:
                return error_response(403, 50013)
        elif where.id in fake.store.closed_dms:
            return error_response(403, 50007)
        keys = ("content", "embeds", "components", "sticker_ids", "poll")
        if not record.files and not any(body.get(k) for k in keys):
            return error_response(400, 50006)
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            earlier = fake.store.nonce_hit(channel_id, str(nonce))
            if earlier is not None:
                return json_response(earlier)  # Discord returns the first message, creates none
        message = fake.store.create_message(channel_id, fake.bot, body, record.files)
        await fake.echo_message(message)
        return json_response(message)

    async def edit_message(self, request: web.Request) -> web.Response:
        record = request[RECORD]
        message = self.fake.store.by_id.get(_int(request, "message_id"))
        if message is None or int(message["channel_id"]) != _int(request, "channel_id"):
            return error_response(404, 10008)
        if message["author"]["id"] != str(self.fake.bot.id):
            return error_response(403, 50005)
        self.fake.store.edit_message(message, record.json or {}, record.files)
        await self.fake.echo_message(message, update=True)
        return json_response(message)

    async def delete_message(self, request: web.Request) -> web.Response:
        channel_id = _int(request, "channel_id")
        message = self.fake.store.by_id.get(_int(request, "message_id"))
        if message is None or int(message["channel_id"]) != channel_id:
            return error_response(404, 10008)
        guild, _ = self.fake.locate(channel_id)
        own = message["author"]["id"] == str(self.fake.bot.id)
        if not own and (
            guild is None or not guild.permissions_for(self.fake.bot.id, channel_id) & perms.MANAGE_MESSAGES
        ):
            return error_response(403, 50013)
        self.fake.store.delete_message(int(message["id"]))
        return web.Response(status=204)

    async def get_member(self, request: web.Request) -> web.Response:
        guild = self.fake.guilds.get(_int(request, "guild_id"))
        member = guild.member(_int(request, "user_id")) if guild else None
        if guild is None:
            return error_response(404, 10004, "Unknown Guild")
        return json_response(payloads.member(member)) if member else error_response(404, 10007, "Unknown Member")

    async def get_roles(self, request: web.Request) -> web.Response:
        guild = self.fake.guilds.get(_int(request, "guild_id"))
        if guild is None:
            return error_response(404, 10004, "Unknown Guild")
        return json_response([payloads.role(r) for r in guild.all_roles()])

    async def get_channels(self, request: web.Request) -> web.Response:
        guild = self.fake.guilds.get(_int(request, "guild_id"))
        if guild is None:
            return error_response(404, 10004, "Unknown Guild")
        return json_response([payloads.channel(c, guild.id) for c in guild.channels])

    def _scope(self, request: web.Request) -> int | None:
        return int(request.match_info["guild_id"]) if "guild_id" in request.match_info else None

    async def put_commands(self, request: web.Request) -> web.Response:
        """Bulk overwrite: keep ids of commands that still exist by name, like Discord."""
        scope = self._scope(request)
        if _int(request, "app_id") != self.fake.bot.id:
            return error_response(403, 50001)
        previous = {(c["name"], c["type"]): c["id"] for c in self.fake.store.commands.get(scope, [])}
        saved = []
        for command in request[RECORD].json or []:
            if not isinstance(command, dict) or "name" not in command:
                continue  # only reachable with reject_invalid=False; Discord would answer 400
            ctype = command.get("type", 1)
            entry = {
                "id": previous.get((command["name"], ctype)) or str(payloads.snowflake()),
                "application_id": str(self.fake.bot.id),
                "version": str(payloads.snowflake()),
                "default_member_permissions": command.get("default_member_permissions"),
                "type": ctype,
                "name": command["name"],
                "description": command.get("description", ""),
                "dm_permission": command.get("dm_permission", True),
                "contexts": command.get("contexts"),
                "integration_types": command.get("integration_types") or [0],
                "nsfw": command.get("nsfw", False),
            }
            for key in ("options", "name_localizations", "description_localizations"):
                if command.get(key) is not None:
                    entry[key] = command[key]
            if scope is not None:
                entry["guild_id"] = str(scope)
            saved.append(entry)
        self.fake.store.commands[scope] = saved
        return json_response(saved)

    async def get_commands(self, request: web.Request) -> web.Response:
        return json_response(self.fake.store.commands.get(self._scope(request), []))
