"""Server lifecycle and the audit mirror, through the real client."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from tests.clock import FakeClock
from tests.exts.checkin_steps import rows
from tests.exts.harness import running_kneadbot
from tests.exts.moderation_world import GENERAL, GENERAL_B, MANAGER, MANAGER_B, TIPS, A, B
from tests.fakediscord import FakeDiscord


async def run(fake: FakeDiscord, command: str, options: dict[str, Any] | None = None) -> str:
    state = await fake.slash(command, options or {}, user=MANAGER, channel_id=GENERAL.id)
    return (await fake.final_reply(state)).content or ""


async def test_moderator_actions_are_mirrored_to_the_log_channel(world: FakeDiscord, tmp_path: Path) -> None:
    async with running_kneadbot(world, tmp_path / "kb.sqlite3"):
        assert await run(world, "config log-channel", {"channel": TIPS}) == f"Logging to <#{TIPS.id}>."
        await run(world, "tips post", {"channel": GENERAL, "topic": "pressure"})
        async with asyncio.timeout(30):  # mirroring runs in its own task, after the command has answered
            while len(world.messages(TIPS.id)) < 2:
                await asyncio.sleep(0.01)
    mirrored = [m["embeds"][0]["description"] for m in world.messages(TIPS.id)]
    assert len(mirrored) == 2  # setting the log channel, then the post
    assert mirrored[1].startswith(f"<@{MANAGER.id}> · Posted")
    [sent] = world.requests_to("POST", rf"^/channels/{TIPS.id}/messages$")[-1:]
    assert sent.json["allowed_mentions"] == {"parse": []}


async def test_leaving_keeps_data_30_days_then_purges_it(world: FakeDiscord, tmp_path: Path) -> None:
    clock, db_path = FakeClock(), tmp_path / "kb.sqlite3"
    async with running_kneadbot(world, db_path, clock=clock) as bot:
        await run(world, "config log-channel", {"channel": TIPS})
        await world.gateway.dispatch("GUILD_DELETE", {"id": str(A)})
        async with asyncio.timeout(30):  # the listener writes through aiosqlite's thread: wait for the row
            while await rows(db_path, "SELECT count(*) FROM guild_config WHERE left_at IS NOT NULL") == [(0,)]:
                await asyncio.sleep(0.01)
        cog: Any = bot.get_cog("Servers")
        clock.advance(days=29)
        await cog.purge_departed()
        kept = await rows(db_path, "SELECT guild_id, left_at IS NOT NULL FROM guild_config")
        clock.advance(days=2)
        await cog.purge_departed()
    assert kept == [(A, 1)]
    assert await rows(db_path, "SELECT count(*) FROM guild_config") == [(0,)]
    assert await rows(db_path, "SELECT count(*) FROM audit_log") == [(0,)]


async def test_a_server_that_removed_the_bot_while_it_was_offline_is_marked_left(
    world: FakeDiscord, tmp_path: Path
) -> None:
    db_path = tmp_path / "kb.sqlite3"
    async with running_kneadbot(world, db_path):
        await run(world, "config log-channel", {"channel": TIPS})
        options = {"channel": GENERAL_B, "time": "09:00"}
        state = await world.slash("daily-tip set", options, user=MANAGER_B, channel_id=GENERAL_B.id)
        await world.final_reply(state)
    del world.guilds[B]  # kicked while the bot was down: no GUILD_DELETE will ever arrive
    async with running_kneadbot(world, db_path):
        async with asyncio.timeout(30):
            while await rows(db_path, "SELECT count(*) FROM guild_config WHERE left_at IS NOT NULL") == [(0,)]:
                await asyncio.sleep(0.01)
    assert await rows(db_path, "SELECT guild_id, left_at IS NOT NULL FROM guild_config ORDER BY guild_id") == [
        (A, 0),
        (B, 1),
    ]
