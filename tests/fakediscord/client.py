"""Run a real discord.py client against a ``FakeDiscord`` for the length of a ``with``.

Why a helper: starting and, above all, stopping a client cleanly is fiddly. ``on_ready``
waits ``guild_ready_timeout`` (2 s by default) after the last GUILD_CREATE, and a client
torn down carelessly leaves an unclosed aiohttp session or a pending task, which
``filterwarnings = error`` turns into test failures.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TypeVar

import discord

from .server import FakeDiscord

ClientT = TypeVar("ClientT", bound=discord.Client)


@contextlib.asynccontextmanager
async def running_client(
    fake: FakeDiscord,
    client: ClientT,
    token: str = "fake-token",  # noqa: S107 - the fake accepts any token
    *,
    ready_timeout: float = 30.0,
    guild_ready_timeout: float = 0.05,
) -> AsyncIterator[ClientT]:
    """Log ``client`` in against ``fake`` (``setup_hook`` runs), connect it in a task, and
    yield once it is ready with every configured guild cached; close it cleanly on exit.

    ``guild_ready_timeout`` lowers discord.py's wait after the last GUILD_CREATE (the
    constructor option of the same name; set here so app code need not know about tests).
    """
    if not fake.port:
        await fake.start()
    state = client._connection
    state.guild_ready_timeout = min(state.guild_ready_timeout, guild_ready_timeout)
    task: asyncio.Task[None] | None = None
    try:
        await client.login(token)
        task = asyncio.create_task(client.connect(reconnect=True), name="fakediscord-client-connect")
        ready = asyncio.create_task(client.wait_until_ready(), name="fakediscord-wait-ready")
        done, _ = await asyncio.wait({ready, task}, timeout=ready_timeout, return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ready
            if task in done:
                task.result()  # re-raise why the connection ended
            raise TimeoutError(f"client not ready within {ready_timeout}s")
        # on_ready can fire just before a late GUILD_CREATE is parsed; poll the cache (no event fits).
        async with asyncio.timeout(ready_timeout):
            while any(client.get_guild(g) is None for g in fake.guilds) and fake.gateway.intents() & 1:
                await asyncio.sleep(0.001)
        yield client
    finally:
        await client.close()
        if task is not None:
            try:
                async with asyncio.timeout(ready_timeout):
                    await task
            except (asyncio.CancelledError, TimeoutError):
                task.cancel()
