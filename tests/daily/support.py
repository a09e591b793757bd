"""Tips for daily-tip tests, built directly so the tests do not depend on the real content."""

from __future__ import annotations

from bot.daily.models import DailyPost, DailySchedule
from bot.daily.service import DailyTipService
from bot.library.models import Source, Tip

SOURCE = Source(name="NHS: Exercise", url="https://www.nhs.uk/live-well/exercise/")


def make_tip(tip_id: str, topic: str = "pressure") -> Tip:
    return Tip(id=tip_id, topic=topic, text=f"A gentle tip called {tip_id}.", sources=[SOURCE])


def make_tips(count: int, prefix: str = "tip") -> list[Tip]:
    return [make_tip(f"{prefix}-{n:02}") for n in range(count)]


async def schedule_of(daily: DailyTipService, guild_id: int) -> DailySchedule:
    status = await daily.show(guild_id)
    assert status is not None, f"guild {guild_id} has no daily tip"
    return status.schedule


async def last_post_of(daily: DailyTipService, guild_id: int) -> DailyPost:
    status = await daily.show(guild_id)
    assert status is not None, f"guild {guild_id} has no daily tip"
    assert status.last_post is not None, f"guild {guild_id} has no daily post yet"
    return status.last_post
