"""``FakeDiscord``: an aiohttp loopback server standing in for discord.com and the gateway.

Why: the real discord.py client (``commands.Bot``, ``CommandTree``, ``Interaction``,
``View``) can then run offline in tests, while every request it makes is recorded and
checked against Discord's OpenAPI description. Only Discord's servers are faked.
"""

# Helpers take ``timeout=`` so tests read ``await fake.interaction_reply(i, timeout=3)``.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import zlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Self

import discord
import discord.gateway
import discord.http
import yarl
from aiohttp import BodyPartReader, web

from . import payloads, rest, spec, webhooks
from .actor import UserActions
from .faults import Fault, error_response, ratelimit_headers
from .gateway import INTENT_DIRECT_MESSAGES, INTENT_GUILD_MEMBERS, INTENT_GUILD_MESSAGES, Gateway, Session
from .interactions import InteractionState
from .models import (
    ALICE_ID,
    DEFAULT_APP_ID,
    OWNER_ID,
    RECORD,
    Guild,
    InteractionReply,
    Member,
    RecordedFile,
    RecordedRequest,
    User,
)
from .store import Store

WAIT_S = 30.0
"""How long a helper waits for the bot by default: a bound for a stuck test, never a speed requirement
(waits end as soon as the awaited thing happens, so a generous bound costs a passing test nothing)."""

API_PREFIX = "/api/v10"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class FakeDiscord(UserActions):
    """A fake Discord for one test. ``await start()`` binds 127.0.0.1 on a random port and
    points discord.py at it; ``await close()`` restores discord.py's real URLs.

    The default world is one guild (``fake.guild``) with a ``#general`` text channel
    (``fake.channel_id``), its owner and a regular member ``fake.user`` ("alice").
    """

    def __init__(
        self,
        *,
        guilds: Sequence[Guild] | None = None,
        bot: User | None = None,
        users: Sequence[User] = (),
        token: str | None = None,
        reject_invalid: bool = True,
        validate_responses: bool = False,
        interaction_deadline: float = 3.0,
        echo_messages: bool = True,
        shard_count: int = 1,
    ) -> None:
        self.bot = bot or User(DEFAULT_APP_ID, "kneadbot", "KneadBot", bot=True)
        self.guilds: dict[int, Guild] = {g.id: g for g in (guilds if guilds is not None else [Guild()])}
        self.token = token
        self.reject_invalid = reject_invalid
        self.fail_on_violations = True  # read by the pytest fixture at teardown
        self.validate_responses = validate_responses
        self.interaction_deadline = interaction_deadline
        self.shard_count = shard_count
        """What ``GET /gateway/bot`` recommends; the clients' IDENTIFY decides what each connection gets."""
        self.echo_messages = echo_messages
        self.spec = spec.load_spec()  # parsed once per process, shared by every fake
        self.store = Store()
        for guild in self.guilds.values():
            guild.bot_id = self.bot.id
            if guild.member(self.bot.id) is None:
                guild.members.append(Member(self.bot, [guild.bot_role_id]))
            for m in guild.members:
                self.store.users.setdefault(m.user.id, m.user)
        for u in (self.bot, *users):
            self.store.users.setdefault(u.id, u)
        self.requests: list[RecordedRequest] = []
        self.violations: list[spec.Violation] = []
        self.response_violations: list[str] = []
        self.unknown_routes: list[RecordedRequest] = []
        self.faults: list[Fault] = []
        self.interactions: dict[int, InteractionState] = {}
        self.gateway = Gateway(token, self._on_identify, self._guild_members)
        self._waiters: list[tuple[Callable[[RecordedRequest], bool], asyncio.Future[RecordedRequest]]] = []
        self._runner: web.AppRunner | None = None
        self._saved: tuple[str, yarl.URL] | None = None
        self.port = 0

    # ------------------------------------------------------------------ lifecycle

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    _active: FakeDiscord | None = None  # discord.py's URLs are process-wide: one fake at a time

    async def start(self) -> Self:
        if FakeDiscord._active is not None:
            raise RuntimeError("another FakeDiscord is still running; close it first")
        app = web.Application(middlewares=[self._middleware], client_max_size=64 * 1024 * 1024)
        app.router.add_get("/", self.gateway.handle)
        rest.add_routes(app, self)
        webhooks.add_routes(app, self)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._not_found)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self._saved = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
        discord.http.Route.BASE = self.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        FakeDiscord._active = self
        return self

    async def close(self) -> None:
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._saved is not None:
            discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = self._saved
            self._saved = None
        if FakeDiscord._active is self:
            FakeDiscord._active = None
        for _, future in self._waiters:
            future.cancel()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ------------------------------------------------------------------ the world

    @property
    def guild(self) -> Guild:
        """The first configured guild."""
        return next(iter(self.guilds.values()))

    @property
    def channel_id(self) -> int:
        """The first text channel of the first guild."""
        return next(c.id for c in self.guild.channels if c.type in (0, 5))

    @property
    def user(self) -> User:
        """The default acting user ("alice", a plain member of the default guild)."""
        return self.store.users.get(ALICE_ID) or next(
            u for u in self.store.users.values() if not u.bot and u.id != OWNER_ID
        )

    def locate(self, channel_id: int) -> tuple[Guild | None, Any]:
        """``(guild, Channel)`` for a guild channel, ``(None, recipient User)`` for a DM."""
        for guild in self.guilds.values():
            channel = guild.channel(channel_id)
            if channel is not None:
                return guild, channel
        recipient = self.store.dm_recipients.get(channel_id)
        return None, (self.store.user(recipient) if recipient is not None else None)

    def dm_channel_payload(self, user: User) -> dict[str, Any]:
        channel_id = self.store.dm_channel_for(user.id)
        history = self.store.channel_messages.get(channel_id) or []
        return payloads.dm_channel(channel_id, user, int(history[-1]["id"]) if history else None)

    def _on_identify(self, session: Session) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        own = [guild for guild in self.guilds.values() if session.owns(guild.id)]  # a shard gets only its guilds
        ready = {
            "v": 10,
            "user": {**payloads.me(self.bot), "bot": True},
            "guilds": [{"id": str(guild.id), "unavailable": True} for guild in own],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.bot.id), "flags": 1 << 19 | 1 << 23},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["us-east"],
            "user_settings": {},
            "auth": {},
            "_trace": ['["fake-gateway",{}]'],
        }
        guilds = []
        for guild in own:
            members = guild.members
            if not session.intents & INTENT_GUILD_MEMBERS:
                members = [m for m in guild.members if m.user.id == self.bot.id]
            guilds.append(payloads.guild_create(guild, members))
        return ready, guilds

    def _guild_members(self, guild_id: int) -> list[dict[str, Any]]:
        guild = self.guilds.get(guild_id)
        return [payloads.member(m) for m in guild.members] if guild else []

    # ------------------------------------------------------------------ HTTP plumbing

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(API_PREFIX):
            return await handler(request)
        path = request.path[len(API_PREFIX) :]
        body, files = await _read_body(request)
        record = RecordedRequest(request.method, path, dict(request.query), dict(request.headers), body, files)
        self.requests.append(record)
        request[RECORD] = record
        bucket = f"{zlib.crc32(f'{request.method} {_template(path)}'.encode()):08x}"
        response = await self._respond(request, record, handler, bucket)
        record.status = response.status
        if isinstance(response, web.Response) and response.content_type == "application/json" and response.body:
            record.response = json.loads(bytes(response.body))  # type: ignore[arg-type]
            if self.validate_responses and record.operation_id and 200 <= response.status < 300:
                self._check_response(record)
        if response.status < 400 and not isinstance(response, web.WebSocketResponse):
            response.headers.update(ratelimit_headers(bucket))
        for predicate, future in list(self._waiters):
            if not future.done() and predicate(record):
                future.set_result(record)
        return response

    async def _respond(
        self, request: web.Request, record: RecordedRequest, handler: Handler, bucket: str
    ) -> web.StreamResponse:
        bot_route = not record.path.startswith(("/webhooks/", "/interactions/"))
        if self.token is not None and bot_route and request.headers.get("Authorization") != f"Bot {self.token}":
            return error_response(401)
        for fault in self.faults:
            if fault.matches(record.method, record.path):
                fault.count -= 1
                fault.hits.append(record.path)
                return fault.response(bucket)
        operation, found = self.spec.validate(record.method, record.path, record.json)
        record.operation_id = operation.operation_id if operation else None
        if found:
            self.violations.extend(found)
            if self.reject_invalid:
                return error_response(400, 50035, errors=_form_errors(found))
        try:
            return await handler(request)
        except Exception as exc:  # a bug in the fake must fail the test, not look like an outage
            self.add_violation(record, f"fake Discord crashed: {exc!r}", "fake-bug")
            return error_response(500, 0, "500: Internal Server Error")

    def _check_response(self, record: RecordedRequest) -> None:
        op = self.spec.find(record.method, record.path)
        if op is None:
            return
        responses = self.spec.document["paths"][op.template][op.method.lower()]["responses"]
        if str(record.status) not in responses or "content" not in responses[str(record.status)]:
            return
        escaped = op.template.replace("~", "~0").replace("/", "~1")
        pointer = f"#/paths/{escaped}/{op.method.lower()}/responses/{record.status}/content/application~1json/schema"
        for error in self.spec.errors(pointer, record.response):
            for leaf in spec.leaf_errors(error):
                where = spec.location(leaf)
                self.response_violations.append(f"{record.method} {record.path} {where}: {spec.describe(leaf)}")

    async def _not_found(self, request: web.Request) -> web.Response:
        self.unknown_routes.append(request[RECORD])
        return error_response(404)

    def add_violation(self, record: RecordedRequest, message: str, kind: str = "protocol") -> None:
        self.violations.append(spec.Violation(record.method, record.path, record.operation_id, "$", message, kind))

    async def echo_message(self, message: dict[str, Any], *, update: bool = False) -> None:
        """Send MESSAGE_CREATE/UPDATE for a message, as Discord does, if intents allow it."""
        guild, _ = self.locate(int(message["channel_id"]))
        session = self.gateway.route(guild.id if guild is not None else None)
        if not self.echo_messages or session is None or session.ws is None:
            return
        intents = session.intents
        if not intents & (INTENT_GUILD_MESSAGES if guild is not None else INTENT_DIRECT_MESSAGES):
            return
        data = dict(message)
        if guild is not None:
            data["guild_id"] = str(guild.id)
            author = guild.member(int(message["author"]["id"]))
            if author is not None:
                data["member"] = {k: v for k, v in payloads.member(author).items() if k != "user"}
        with contextlib.suppress(ConnectionResetError):  # dropped meanwhile: the event is lost, as on Discord
            await self.gateway.send(session, "MESSAGE_UPDATE" if update else "MESSAGE_CREATE", data)

    # ------------------------------------------------------------------ faults

    def fail_next(
        self,
        method: str,
        path: str,
        status: int = 429,
        *,
        retry_after: float = 0.05,
        global_: bool = False,
        count: int = 1,
        code: int | None = None,
        message: str | None = None,
    ) -> Fault:
        """Answer the next ``count`` requests whose path (below /api/v10) matches the regex
        ``path`` with ``status``: 429 (``retry_after``, ``global_``), 5xx, or 4xx with a JSON
        ``code`` such as 50007. ``method`` may be ``"*"``."""
        fault = Fault(method.upper(), re.compile(path), status, count, retry_after, global_, code, message)
        self.faults.append(fault)
        return fault

    def close_dms(self, user_id: int) -> None:
        """The user no longer accepts DMs: message sends to their DM channel get 403/50007."""
        self.store.closed_dms.add(user_id)

    def open_dms(self, user_id: int) -> None:
        self.store.closed_dms.discard(user_id)

    async def drop_gateway(
        self, *, code: int = 4000, resumable: bool = True, wait: bool = True, timeout: float = WAIT_S
    ) -> None:
        """Close the client's gateway socket like an outage; with ``wait`` return once it has
        RESUMEd (``resumable``) or re-IDENTIFYed."""
        await self.gateway.drop(code, resumable)
        if wait:
            await self.gateway.wait_live(timeout)

    # ------------------------------------------------------------------ observing

    def _state(self, interaction: int | InteractionState) -> InteractionState:
        key = interaction.id if isinstance(interaction, InteractionState) else int(interaction)
        return self.interactions[key]

    async def interaction_reply(self, interaction: int | InteractionState, timeout: float = WAIT_S) -> InteractionReply:
        """The bot's callback for an interaction (waits for it)."""
        state = self._state(interaction)
        async with asyncio.timeout(timeout):
            await state.replied.wait()
        await self.settle()
        assert state.reply is not None
        return state.reply

    async def final_reply(self, interaction: int | InteractionState, timeout: float = WAIT_S) -> InteractionReply:
        """What the member ends up reading: the callback itself, or after a deferral (type 5, or 6 on a
        component) the message as the bot's first follow-up or @original edit left it."""
        reply = await self.interaction_reply(interaction, timeout)
        if reply.type not in (5, 6):
            return reply
        state = self._state(interaction)
        sent = await self.wait_for_request("*", rf"^/webhooks/\d+/{re.escape(state.token)}(/|$)", timeout=timeout)
        message = state.original if reply.type == 5 or not state.followups else state.followups[0]
        assert message is not None
        body = dict(sent.json) if isinstance(sent.json, dict) else {}
        body["flags"] = int(body.get("flags") or 0) | int(message.get("flags") or 0)  # ephemeral comes from the defer
        return InteractionReply(state.id, state.token, reply.type, body, sent.files, message)

    def followups(self, interaction: int | InteractionState) -> list[dict[str, Any]]:
        """Messages the bot sent through the interaction's webhook (follow-ups)."""
        return list(self._state(interaction).followups)

    async def wait_followups(
        self, interaction: int | InteractionState, count: int = 1, timeout: float = WAIT_S
    ) -> list[dict[str, Any]]:
        state = self._state(interaction)
        async with asyncio.timeout(timeout):
            while len(state.followups) < count:
                state.followup_added.clear()
                await state.followup_added.wait()
        await self.settle()
        return list(state.followups)

    def original_message(self, interaction: int | InteractionState) -> dict[str, Any] | None:
        """The interaction's original response message as it stands now (after edits)."""
        return self._state(interaction).original

    def messages(self, channel_id: int | None = None) -> list[dict[str, Any]]:
        """Messages stored in a channel, oldest first (ephemeral ones are never stored)."""
        return list(self.store.channel_messages.get(channel_id or self.channel_id, []))

    def dm_messages(self, user_id: int) -> list[dict[str, Any]]:
        channel_id = self.store.dm_channels.get(user_id)
        return self.messages(channel_id) if channel_id else []

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        """Recorded requests with this method (or ``"*"``) whose path matches the regex."""
        pattern = re.compile(path)
        return [r for r in self.requests if method in ("*", r.method) and pattern.search(r.path)]

    async def wait_for_request(
        self, method: str, path: str, *, since: int = 0, timeout: float = WAIT_S
    ) -> RecordedRequest:
        """The first request (at index >= ``since`` in ``fake.requests``) matching method and
        path regex, waiting for it; it has been answered when this returns."""
        pattern = re.compile(path)

        def match(r: RecordedRequest) -> bool:
            return method in ("*", r.method) and bool(pattern.search(r.path))

        found = next((r for r in self.requests[since:] if match(r) and r.status), None)
        if found is None:
            future: asyncio.Future[RecordedRequest] = asyncio.get_running_loop().create_future()
            waiter = (match, future)
            self._waiters.append(waiter)
            try:
                async with asyncio.timeout(timeout):
                    found = await future
            finally:
                self._waiters.remove(waiter)
        await self.settle()
        return found

    async def settle(self, rounds: int = 20) -> None:
        """Let the client digest what the fake just answered.

        The fake records a request before its response reaches the client, so the bot's
        code after ``await interaction.response.send_message(...)`` (e.g. discord.py
        binding a View to the new message id) has not run yet. Client and fake share one
        event loop and loopback delivery is immediate, so a couple of loop turns suffice
        (2 measured); ``rounds`` leaves a wide margin.
        """
        for _ in range(rounds):
            await asyncio.sleep(0)

    def violation_report(self) -> str:
        lines = [str(v) for v in self.violations] + [f"[response] {v}" for v in self.response_violations]
        return "\n".join(lines)

    def assert_no_violations(self) -> None:
        report = self.violation_report()
        if report:
            raise AssertionError("Discord would have rejected requests:\n" + report)


async def _read_body(request: web.Request) -> tuple[Any, list[RecordedFile]]:
    """JSON body, or ``payload_json`` + ``files[n]`` parts of a multipart upload."""
    if not request.can_read_body:
        return None, []
    if request.content_type == "multipart/form-data":
        body: Any = None
        files: list[RecordedFile] = []
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader):
                continue
            data = await part.read()
            name = part.name or ""
            if name == "payload_json":
                body = json.loads(data)
            else:
                ctype = part.headers.get("Content-Type", "application/octet-stream")
                files.append(RecordedFile(name, part.filename or name, ctype, bytes(data)))
        return body, files
    raw = await request.read()
    if not raw:
        return None, []
    if request.content_type == "application/json":
        return json.loads(raw), []
    return raw.decode(errors="replace"), []


def _template(path: str) -> str:
    return re.sub(r"/\d{5,}", "/{id}", path)


def _form_errors(found: Sequence[spec.Violation]) -> dict[str, Any]:
    """Discord's nested ``errors`` object for a 50035 Invalid Form Body."""
    errors: dict[str, Any] = {}
    for v in found:
        node = errors
        for key in re.findall(r"\.([^.\[]+)|\[(\d+)\]", v.where):
            node = node.setdefault(key[0] or key[1], {})
        node.setdefault("_errors", []).append({"code": "BASE_TYPE_INVALID", "message": v.message})
    return errors
