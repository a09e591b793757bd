"""Steps shared by the check-in tests: consent, log a session, let the scheduler run, read the DB."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiosqlite

from bot.app import KneadBot
from bot.storage.db import as_db_time
from tests.clock import FakeClock
from tests.fakediscord import FakeDiscord, InteractionReply


def button_id(message: InteractionReply | dict[str, Any], label: str) -> str:
    rows = message.components if isinstance(message, InteractionReply) else message["components"]
    return next(c["custom_id"] for row in rows for c in row["components"] if c.get("label") == label)


async def agree_and_log(fake: FakeDiscord, options: dict[str, Any], **where: Any) -> InteractionReply:
    """Run /session log; on the first use, press "I agree". Returns the reply showing the logged session."""
    reply = await fake.interaction_reply(await fake.slash("session log", options, **where))
    if reply.embeds and reply.embeds[0]["title"] == "Before your first session":
        clicker = {"user": where["user"]} if "user" in where else {}
        return await fake.interaction_reply(await fake.click(reply, button_id(reply, "I agree"), **clicker))
    return reply


async def run_scheduler(bot: KneadBot, clock: FakeClock, **advance: float) -> None:
    """Move the clock, wake the scheduler and wait until nothing due is left pending or sending."""
    clock.advance(**advance)
    cog: Any = bot.get_cog("Checkins")  # load_extension makes its own module object: no isinstance
    async with asyncio.timeout(10):
        while not cog.scheduler.is_running:
            await asyncio.sleep(0.01)
        cog.scheduler.wake()
        while await due_or_sending(bot.db, clock):
            await asyncio.sleep(0.01)


async def due_or_sending(db: aiosqlite.Connection, clock: FakeClock) -> int:
    rows = await db.execute_fetchall(
        "SELECT count(*) FROM checkins WHERE state = 'sending' OR (state = 'pending' AND deliver_at <= ?)",
        (as_db_time(clock()),),
    )
    return int(next(iter(rows))[0])


async def rows(db_path: Path, sql: str, *parameters: object) -> list[tuple[Any, ...]]:
    """Read the database file the way an operator would, from a separate connection."""
    async with aiosqlite.connect(db_path) as db:
        return [tuple(row) for row in await db.execute_fetchall(sql, parameters)]


async def run_daily_tips(bot: KneadBot, clock: FakeClock, **advance: float) -> None:
    """Move the clock, wake the daily-tip scheduler and wait until no server is due or mid-post."""
    clock.advance(**advance)
    cog: Any = bot.get_cog("DailyTip")
    async with asyncio.timeout(10):
        while not cog.scheduler.is_running:
            await asyncio.sleep(0.01)
        cog.scheduler.wake()
        while await bot.daily_tips.due_guilds(clock()) or await _claimed_days(bot.db):
            await asyncio.sleep(0.01)


async def _claimed_days(db: aiosqlite.Connection) -> int:
    rows = await db.execute_fetchall("SELECT count(*) FROM daily_tip_posts WHERE state = 'claimed'")
    return int(next(iter(rows))[0])
