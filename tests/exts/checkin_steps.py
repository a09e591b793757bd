"""Steps shared by the check-in tests: consent, log a session, let the scheduler run, read the DB."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.app import KneadBot
from bot.storage.db import open_database
from bot.storage.json_rows import json_ready
from tests.clock import FakeClock
from tests.fakediscord import FakeDiscord, InteractionReply
from tests.sql import fetch_all


def button_id(message: InteractionReply | dict[str, Any], label: str) -> str:
    rows = message.components if isinstance(message, InteractionReply) else message["components"]
    return next(c["custom_id"] for row in rows for c in row["components"] if c.get("label") == label)


async def agree_and_log(fake: FakeDiscord, options: dict[str, Any], **where: Any) -> InteractionReply:
    """Run /session log; on the first use, press "I agree". Returns the reply showing the logged session."""
    reply = await fake.final_reply(await fake.slash("session log", options, **where))
    if reply.embeds and reply.embeds[0]["title"] == "Before your first session":
        clicker = {"user": where["user"]} if "user" in where else {}
        return await fake.final_reply(await fake.click(reply, button_id(reply, "I agree"), **clicker))
    return reply


async def run_scheduler(bot: KneadBot, clock: FakeClock, **advance: float) -> None:
    """Move the clock, wake the check-in job runner and wait until it has handled everything due."""
    clock.advance(**advance)
    await wake_and_wait(bot, bot.get_cog("Checkins"), "checkins")


async def wake_and_wait(bot: KneadBot, cog: Any, job_name: str) -> None:
    """Wake a cog's job runner and wait for the bot's `job_asleep` event: it has looked since, and
    handled everything due (the runner announces sleep only when no wake-up came in meanwhile).

    (`load_extension` makes its own module object, so the cog is duck-typed, not isinstance-checked.)
    """
    asleep = bot.wait_for("job_asleep", check=lambda name, _until: name == job_name, timeout=30)
    cog.runner.wake()
    await asleep


async def rows(location: Path | str, sql: str, *parameters: object) -> list[tuple[Any, ...]]:
    """Read the database the way an operator would, from a separate connection; on either back-end,
    times and dates come back as the text SQLite stores, so one assertion fits both."""
    database = await open_database(location, apply_migrations=False)
    try:
        return [tuple(json_ready(row._names).values()) for row in await fetch_all(database, sql, *parameters)]
    finally:
        await database.close()


async def run_daily_tips(bot: KneadBot, clock: FakeClock, **advance: float) -> None:
    """Move the clock, wake the daily-tip scheduler and wait until it has posted everything due."""
    clock.advance(**advance)
    await wake_and_wait(bot, bot.get_cog("DailyTip"), "daily-tips")


COUNT_ROWS = {
    table: f"SELECT count(*) FROM {table}"
    for table in ("pending_logs", "members", "sessions", "checkins", "answers", "guild_tips")
}


async def row_counts(db_path: Path, *tables: str) -> dict[str, int]:
    """How many rows each named table holds, e.g. {"sessions": 1, "checkins": 1}."""
    return {table: (await rows(db_path, COUNT_ROWS[table]))[0][0] for table in tables}
