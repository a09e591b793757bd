"""The fake Discord's shards: each gateway connection gets only its shard's servers and their events.

Why it matters: the tests of several bot processes are only honest if the fake behaves like Discord,
where a process that does not run a server's shard never sees that server, its channels or its events.
Unsharded clients (every other test) still see everything.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.cluster.shard_world import SHARD_COUNT, channel_id_of, guild_on
from tests.fakediscord import FakeDiscord

WAIT_S = 30.0
INTENTS = 1 | 1 << 9 | 1 << 12  # guilds, guild messages, direct messages


class Connection:
    """A bare gateway client: enough of the protocol to IDENTIFY for a shard and read dispatches."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws

    async def next_dispatch(self) -> dict[str, Any]:
        async with asyncio.timeout(WAIT_S):
            while True:
                frame = json.loads((await self.ws.receive()).data)
                if frame["op"] == 0:
                    return dict(frame)

    async def identify(self, shard: list[int] | None) -> list[int]:
        """IDENTIFY (for `shard`, or unsharded); the ids of the servers READY and GUILD_CREATE brought."""
        data: dict[str, Any] = {"token": "t", "intents": INTENTS, "properties": {}}
        if shard is not None:
            data["shard"] = shard
        await self.ws.send_str(json.dumps({"op": 2, "d": data}))
        ready = await self.next_dispatch()
        assert ready["t"] == "READY"
        created = [await self.next_dispatch() for _ in ready["d"]["guilds"]]
        assert all(event["t"] == "GUILD_CREATE" for event in created)
        return sorted(int(event["d"]["id"]) for event in created)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    guilds = [guild_on(shard, number) for shard in range(SHARD_COUNT) for number in range(2)]
    async with FakeDiscord(guilds=guilds, shard_count=SHARD_COUNT) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def connect(
    http: aiohttp.ClientSession, fake: FakeDiscord, shard: list[int] | None
) -> tuple[Connection, list[int]]:
    connection = Connection(await http.ws_connect(fake.gateway_url))
    return connection, await connection.identify(shard)


def ids_on(fake: FakeDiscord, shard: int) -> list[int]:
    return sorted(g for g in fake.guilds if (g >> 22) % SHARD_COUNT == shard)


async def test_gateway_bot_recommends_the_configured_shard_count(
    fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{fake.api_base}/gateway/bot") as response:
        assert (await response.json())["shards"] == SHARD_COUNT


async def test_each_connection_gets_only_its_shards_servers(fake: FakeDiscord, http: aiohttp.ClientSession) -> None:
    _zero, on_zero = await connect(http, fake, [0, SHARD_COUNT])
    _one, on_one = await connect(http, fake, [1, SHARD_COUNT])
    assert on_zero == ids_on(fake, 0) and len(on_zero) == 2
    assert on_one == ids_on(fake, 1) and len(on_one) == 2


async def test_a_servers_interactions_reach_its_shard_and_dms_reach_shard_zero(
    fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    zero, _ = await connect(http, fake, [0, SHARD_COUNT])
    one, _ = await connect(http, fake, [1, SHARD_COUNT])
    [on_one, _] = ids_on(fake, 1)
    await fake.slash("tip", channel_id=channel_id_of(on_one))
    await fake.slash("tip", dm=True)

    to_one = await one.next_dispatch()
    to_zero = await zero.next_dispatch()  # the DM came after the server's event: shard 0 never got that one
    assert (to_one["t"], to_one["d"]["guild_id"]) == ("INTERACTION_CREATE", str(on_one))
    assert to_zero["t"] == "INTERACTION_CREATE" and "guild_id" not in to_zero["d"]


async def test_a_shard_that_is_not_connected_is_waited_for(fake: FakeDiscord, http: aiohttp.ClientSession) -> None:
    await connect(http, fake, [0, SHARD_COUNT])
    [on_one, _] = ids_on(fake, 1)
    sending = asyncio.create_task(fake.slash("tip", channel_id=channel_id_of(on_one)))
    one, _ = await connect(http, fake, [1, SHARD_COUNT])
    await sending
    assert (await one.next_dispatch())["d"]["guild_id"] == str(on_one)


async def test_an_unsharded_client_gets_every_server_and_every_event(
    fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    everything, servers = await connect(http, fake, None)
    assert servers == sorted(fake.guilds)
    [on_one, _] = ids_on(fake, 1)
    await fake.slash("tip", channel_id=channel_id_of(on_one))
    await fake.slash("tip", dm=True)
    first, second = await everything.next_dispatch(), await everything.next_dispatch()
    assert first["d"]["guild_id"] == str(on_one) and "guild_id" not in second["d"]
