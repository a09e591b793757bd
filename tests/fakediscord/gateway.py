"""The gateway websocket: HELLO, heartbeats, IDENTIFY/RESUME, dispatches.

Why it matters: discord.py only builds Interaction objects, caches guilds and fires
``on_ready`` from gateway events, so driving the real client means speaking this protocol.
Frames are plain-JSON text frames (discord.py only inflates binary frames).
"""

# ruff: noqa: ASYNC109  (helpers take ``timeout=`` like the rest of the fake's test API)

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

HEARTBEAT_INTERVAL_MS = 41_250
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15


@dataclass
class Session:
    """A gateway session; it outlives a dropped socket so the client can RESUME it."""

    id: str
    intents: int
    seq: int = 0
    resumable: bool = True
    ws: web.WebSocketResponse | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    shard: tuple[int, int] | None = None
    """``[shard_id, shard_count]`` from IDENTIFY; None: an unsharded client, which gets every guild."""

    def owns(self, guild_id: int | None) -> bool:
        """Whether Discord would send this guild's events here (None: a DM, which only shard 0 gets)."""
        if self.shard is None:
            return True
        shard_id, shard_count = self.shard
        if guild_id is None:
            return shard_id == 0
        return (guild_id >> 22) % shard_count == shard_id


class Gateway:
    """Serves the websocket and lets the fake push dispatch events to the connected client.

    ``on_identify`` returns the READY ``d`` and the GUILD_CREATE payloads for a session.
    """

    def __init__(
        self,
        token: str | None,
        on_identify: Callable[[Session], tuple[dict[str, Any], list[dict[str, Any]]]],
        on_members: Callable[[int], list[dict[str, Any]]],
    ) -> None:
        self.token = token
        self.on_identify = on_identify
        self.on_members = on_members
        self.sessions: dict[str, Session] = {}
        self.current: Session | None = None
        self.live = asyncio.Event()
        self._connected = asyncio.Event()  # set whenever any session (re)connects: routed waits look again
        self.identifies = 0
        self.resumes = 0
        self.received: list[dict[str, Any]] = []  # every frame the client sent
        self._sockets: set[web.WebSocketResponse] = set()

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.add(ws)
        session: Session | None = None
        try:
            hello = {"heartbeat_interval": HEARTBEAT_INTERVAL_MS, "_trace": ['["fake-gateway",{}]']}
            await ws.send_str(json.dumps({"op": 10, "d": hello, "s": None, "t": None}))
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                self.received.append(frame)
                session = await self._on_frame(ws, frame, session)
        finally:
            self._sockets.discard(ws)
            if session is not None and session.ws is ws:
                session.ws = None
                if self.current is session:
                    self.live.clear()
        return ws

    async def _on_frame(
        self, ws: web.WebSocketResponse, frame: dict[str, Any], session: Session | None
    ) -> Session | None:
        op = frame.get("op")
        raw = frame.get("d")
        data: dict[str, Any] = raw if isinstance(raw, dict) else {}
        if op == 1:
            await ws.send_str(json.dumps({"op": 11, "d": None, "s": None, "t": None}))
        elif op == 2:
            return await self._identify(ws, data)
        elif op == 6:
            return await self._resume(ws, data)
        elif op == 8 and session is not None:
            guild_id = int(data["guild_id"])
            members = self.on_members(guild_id)
            chunk = {"guild_id": str(guild_id), "members": members, "chunk_index": 0, "chunk_count": 1}
            if data.get("nonce"):
                chunk["nonce"] = data["nonce"]
            await self.send(session, "GUILD_MEMBERS_CHUNK", chunk)
        return session

    async def _identify(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> Session | None:
        if self.token is not None and data.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return None
        self.identifies += 1
        session = Session(secrets.token_hex(16), int(data.get("intents") or 0), ws=ws)
        if isinstance(data.get("shard"), list) and len(data["shard"]) == 2:
            session.shard = (int(data["shard"][0]), int(data["shard"][1]))
        self.sessions[session.id] = session
        ready, guilds = self.on_identify(session)
        if "shard" in data:  # Discord echoes the [shard_id, shard_count] an IDENTIFY asked for
            ready["shard"] = data["shard"]
        await self.send(session, "READY", ready)
        if session.intents & INTENT_GUILDS:
            for guild in guilds:
                await self.send(session, "GUILD_CREATE", guild)
        self._make_current(session)
        return session

    async def _resume(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> Session | None:
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or not session.resumable or session.ws is not None:
            # Discord's "session is no longer valid": the client starts over with IDENTIFY.
            await ws.send_str(json.dumps({"op": 9, "d": False, "s": None, "t": None}))
            return None
        self.resumes += 1
        session.ws = ws
        await self.send(session, "RESUMED", {"_trace": ['["fake-gateway",{}]']})
        self._make_current(session)
        return session

    def _make_current(self, session: Session) -> None:
        self.current = session
        self.live.set()
        self._connected.set()

    def route(self, guild_id: int | None) -> Session | None:
        """The connected session Discord would send this guild's events to (None: a DM's, shard 0).

        The most recent session first, so with unsharded clients everything goes where it always went."""
        candidates = [self.current, *reversed(self.sessions.values())]
        return next((s for s in candidates if s is not None and s.ws is not None and s.owns(guild_id)), None)

    async def wait_route(self, guild_id: int | None, timeout: float) -> Session:
        """``route``, waiting for the owning shard to (re)connect if it is not connected now."""
        async with asyncio.timeout(timeout):
            while True:
                self._connected.clear()
                if (session := self.route(guild_id)) is not None:
                    return session
                await self._connected.wait()

    async def wait_live(self, timeout: float) -> Session:
        """The session a dispatch should go to, waiting for a (re)connect if needed."""
        async with asyncio.timeout(timeout):
            while True:
                await self.live.wait()
                if self.current is not None and self.current.ws is not None:
                    return self.current
                self.live.clear()

    async def send(self, session: Session, event: str, data: dict[str, Any]) -> None:
        async with session.lock:
            if session.ws is None or session.ws.closed:
                raise ConnectionResetError("gateway client is not connected")
            session.seq += 1
            await session.ws.send_str(json.dumps({"op": 0, "t": event, "s": session.seq, "d": data}))

    async def dispatch(self, event: str, data: dict[str, Any], timeout: float = 30.0) -> None:
        """Send an event to the client that owns its guild (``data["guild_id"]``; without one, as a DM, to
        shard 0), waiting for it to be connected. An unsharded client owns every guild."""
        guild_id = data.get("guild_id")
        session = await self.wait_route(None if guild_id is None else int(guild_id), timeout)
        await self.send(session, event, data)

    def intents(self) -> int:
        return self.current.intents if self.current is not None else 0

    async def drop(self, code: int = 4000, resumable: bool = True) -> None:
        """Close the live socket the way an outage does; the client reconnects on its own."""
        session = self.current
        if session is None or session.ws is None:
            return
        session.resumable = resumable
        ws, session.ws = session.ws, None
        self.live.clear()
        await ws.close(code=code, message=b"fake outage")

    async def close(self) -> None:
        for ws in list(self._sockets):
            with contextlib.suppress(Exception):
                await ws.close(code=1001, message=b"server shutting down")
        self.live.clear()
