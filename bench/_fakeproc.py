"""The loopback fake Discord, timed, in this process ("inline") or in a child process ("process").

Shared by the benchmarks that drive the real bot. ``TimedFake`` is ``tests.fakediscord.FakeDiscord``
plus three measurements taken in the fake's own process:

- when each interaction callback request arrived (``perf_counter`` at the start of the middleware),
- how long the fake spent inside its request handlers (spec validation, store, gateway echo), and
- its process CPU time.

In "process" mode the fake runs its own event loop in a ``multiprocessing`` child (spawn), so the
bot's event loop is measured alone; the parent drives it through a pipe with ``await fake.call(op)``.
In "inline" mode the same operations run on the caller's loop, as in the test suite.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any

import discord.gateway
import discord.http
import yarl
from aiohttp import web

from tests.fakediscord import FakeDiscord, InteractionState, User
from tests.fakediscord.server import API_PREFIX, Handler

CALLBACK = re.compile(r"^/api/v10/interactions/(\d+)/[^/]+/callback$")
BENCH_USER_BASE = 1_350_000_000_000_000_000
"""Fake user ids start here: one user per command keeps the bot's 8-per-30-s cooldown out of the way."""


class _RoutesOnly:
    """The fake's spec, minus request-body validation (jsonschema): the tests check bodies already,
    and at 100 requests/s validating them costs the fake 1-8 ms each, which would queue up in front
    of the bot's next request and be counted as bot latency."""

    def __init__(self, spec: Any) -> None:
        self._spec = spec

    def __getattr__(self, name: str) -> Any:
        return getattr(self._spec, name)

    def validate(self, method: str, path: str, body: Any) -> tuple[Any, list[Any]]:
        return self._spec.find(method, path), []


class TimedFake(FakeDiscord):
    def __init__(self, *, validate: bool = True, **options: Any) -> None:
        super().__init__(**options)
        if not validate:
            self.spec = _RoutesOnly(self.spec)  # type: ignore[assignment]
        self.callback_arrivals: dict[int, float] = {}
        self.busy_seconds = 0.0
        self.handled = 0

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        arrived = time.perf_counter()
        if not request.path.startswith(API_PREFIX):  # the gateway websocket lives as long as the connection
            return await super()._middleware(request, handler)
        if (match := CALLBACK.match(request.path)) is not None:
            self.callback_arrivals[int(match[1])] = arrived
        try:
            return await super()._middleware(request, handler)
        finally:
            self.busy_seconds += time.perf_counter() - arrived
            self.handled += 1


# ---------------------------------------------------------------------------------------- operations


async def op_wait_live(fake: TimedFake, seconds: float = 10.0) -> bool:
    await fake.gateway.wait_live(seconds)
    return True


async def op_counters(fake: TimedFake, reset: bool = False) -> dict[str, float]:
    counters = {"busy_seconds": fake.busy_seconds, "handled": fake.handled, "cpu_seconds": time.process_time()}
    if reset:
        fake.busy_seconds, fake.handled = 0.0, 0
        fake.requests.clear()
    return counters


async def op_add_dm_channels(fake: TimedFake, pairs: Sequence[tuple[int, int]]) -> int:
    """Make the fake agree with DM channel ids the bot has cached: ``(user_id, channel_id)``."""
    for user_id, channel_id in pairs:
        fake.store.dm_channels[user_id] = channel_id
        fake.store.dm_recipients[channel_id] = user_id
    return len(pairs)


async def op_violations(fake: TimedFake) -> list[str]:
    return [str(v) for v in fake.violations[:20]]


def _payload(fake: TimedFake, kind: str, user: User, text: str) -> dict[str, Any]:
    if kind == "tip":
        return fake.slash_payload("tip", None, user=user)
    if kind == "faq":
        return fake.slash_payload("faq", {"question": text}, user=user)
    if kind == "faq-autocomplete":
        return fake.autocomplete_payload("faq", {"question": text}, "question", user=user)
    raise ValueError(f"unknown kind {kind!r}")


async def op_open_loop(
    fake: TimedFake,
    kind: str,
    rate: float,
    count: int,
    texts: Sequence[str] = ("",),
    first_user: int = 0,
    drain_timeout: float = 10.0,
) -> dict[str, Any]:
    """Send ``count`` interactions at ``rate`` per second on a fixed schedule, whatever the replies.

    Payloads are built before the clock starts. Returns, per interaction id, ``perf_counter`` when
    its INTERACTION_CREATE frame was written to the socket (``sent``) and when the bot's callback
    request reached the fake's middleware (``arrived``). On Linux ``perf_counter`` is
    CLOCK_MONOTONIC, shared by every process, so the parent can compare its own stamps with these.
    """
    payloads = [
        _payload(fake, kind, User(BENCH_USER_BASE + first_user + n, f"bench{n}"), texts[n % len(texts)])
        for n in range(count)
    ]
    session = await fake.gateway.wait_live(10.0)
    loop = asyncio.get_running_loop()
    sent: dict[int, float] = {}
    behind = 0
    start = loop.time() + 0.05
    for n, payload in enumerate(payloads):
        delay = start + n / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        elif delay < -0.005:
            behind += 1
        state = InteractionState(payload)
        fake.interactions[state.id] = state
        await fake.gateway.send(session, "INTERACTION_CREATE", payload)
        sent[state.id] = time.perf_counter()
        state.sent_at = time.monotonic()
    send_seconds = loop.time() - start
    deadline = loop.time() + drain_timeout
    while loop.time() < deadline and any(i not in fake.callback_arrivals for i in sent):  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    arrived = {i: fake.callback_arrivals[i] for i in sent if i in fake.callback_arrivals}
    for interaction_id in sent:  # keep the fake's per-run state small
        fake.interactions.pop(interaction_id, None)
        fake.callback_arrivals.pop(interaction_id, None)
    fake.requests.clear()
    return {"sent": sent, "arrived": arrived, "send_seconds": send_seconds, "sent_late": behind}


OPS: dict[str, Callable[..., Awaitable[Any]]] = {
    "wait_live": op_wait_live,
    "counters": op_counters,
    "add_dm_channels": op_add_dm_channels,
    "violations": op_violations,
    "open_loop": op_open_loop,
}


# ---------------------------------------------------------------------------------------- handles


class FakeHandle:
    """Where the fake listens, and ``call(op, **kwargs)`` to run one of ``OPS`` on it."""

    api_base: str
    gateway_url: str
    mode: str

    async def call(self, op: str, **kwargs: Any) -> Any:
        raise NotImplementedError


class InlineFake(FakeHandle):
    mode = "inline"

    def __init__(self, fake: TimedFake) -> None:
        self.fake = fake
        self.api_base, self.gateway_url = fake.api_base, fake.gateway_url

    async def call(self, op: str, **kwargs: Any) -> Any:
        return await OPS[op](self.fake, **kwargs)


class ProcessFake(FakeHandle):
    mode = "process"

    def __init__(self, conn: Connection, api_base: str, gateway_url: str) -> None:
        self.conn = conn
        self.api_base, self.gateway_url = api_base, gateway_url
        self._lock = asyncio.Lock()

    async def call(self, op: str, **kwargs: Any) -> Any:
        return await call_over_pipe(self.conn, self._lock, op, kwargs)


async def call_over_pipe(conn: Connection, lock: asyncio.Lock, op: str, kwargs: dict[str, Any]) -> Any:
    """Ask the fake's process to run `op` and wait for its answer, one call at a time on the pipe."""
    async with lock:
        conn.send((op, kwargs))
        ok, result = await asyncio.to_thread(conn.recv)
    if not ok:
        raise RuntimeError(f"fake process failed in {op}: {result}")
    return result


def _child_main(conn: Connection, options: dict[str, Any]) -> None:
    asyncio.run(_child(conn, options))


async def _child(conn: Connection, options: dict[str, Any]) -> None:
    fake = TimedFake(**options)
    await fake.start()
    conn.send((fake.api_base, fake.gateway_url))
    try:
        while True:
            op, kwargs = await asyncio.to_thread(conn.recv)
            if op == "stop":
                break
            try:
                conn.send((True, await OPS[op](fake, **kwargs)))
            except Exception as error:  # report to the parent instead of hanging it
                conn.send((False, repr(error)))
    finally:
        await fake.close()


@contextlib.asynccontextmanager
async def running_fake(mode: str, **options: Any) -> AsyncIterator[FakeHandle]:
    """Start a TimedFake ("inline" or "process") and point this process's discord.py at it."""
    options.setdefault("interaction_deadline", 30.0)  # an overloaded run is measured, not refused
    if mode == "inline":
        fake = TimedFake(**options)
        await fake.start()
        try:
            yield InlineFake(fake)
        finally:
            await fake.close()
        return
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=_child_main, args=(child, options), name="fake-discord", daemon=True)
    process.start()
    saved = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    try:
        api_base, gateway_url = await asyncio.to_thread(parent.recv)
        discord.http.Route.BASE = api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
        yield ProcessFake(parent, api_base, gateway_url)
    finally:
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved
        with contextlib.suppress(OSError):
            parent.send(("stop", {}))
        await asyncio.to_thread(process.join, 5)
        if process.is_alive():
            process.terminate()
            process.join()


@contextlib.asynccontextmanager
async def connected(client: discord.Client, fake: FakeHandle, *, ready_timeout: float = 10.0) -> AsyncIterator[None]:
    """Log ``client`` in, connect it, and yield once it is ready; close it cleanly afterwards.

    Like ``tests.fakediscord.running_client`` but for a fake that may live in another process.
    discord.py's ``guild_ready_timeout`` is lowered to 0.05 s, as the test harness does.
    """
    client._connection.guild_ready_timeout = 0.05
    task: asyncio.Task[None] | None = None
    try:
        await client.login("fake-token")
        task = asyncio.create_task(client.connect(reconnect=False), name="bench-client-connect")
        async with asyncio.timeout(ready_timeout):
            await client.wait_until_ready()
        yield
    finally:
        await client.close()
        if task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                async with asyncio.timeout(5):
                    await task


def cpu_seconds() -> float:
    """This process's CPU time, every thread included (aiosqlite's worker thread too)."""
    return time.process_time()
