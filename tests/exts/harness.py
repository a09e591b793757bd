"""Run the real KneadBot against the fake Discord: real content, a real database (SQLite or PostgreSQL), a clock."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from bot.app import KneadBot
from bot.checkins.service import CheckinService
from bot.library.library import Library
from bot.library.loader import load_content
from bot.settings import Settings
from tests.clock import FakeClock
from tests.fakediscord import FakeDiscord, running_client

ROOT = Path(__file__).resolve().parents[2]


@functools.cache
def real_library() -> Library:
    return Library(load_content(ROOT / "content"))


class TestKneadBot(KneadBot):
    """The production bot, minus discord.py's 5 s pause before re-identifying (a rate-limit courtesy)."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


def make_settings(location: Path | str, **overrides: Any) -> Settings:
    """Settings for a SQLite file, or for a PostgreSQL database when `location` is its URL."""
    if isinstance(location, str) and location.startswith("postgresql://"):
        return Settings(database_url=location, content_dir=ROOT / "content", **overrides)
    return Settings(db=Path(location), content_dir=ROOT / "content", **overrides)


@contextlib.asynccontextmanager
async def running_kneadbot(
    fake: FakeDiscord, db_path: Path | str, *, clock: FakeClock | None = None, **settings: Any
) -> AsyncIterator[TestKneadBot]:
    bot = TestKneadBot(make_settings(db_path, **settings), real_library(), clock=clock or FakeClock())
    async with running_client(fake, bot) as running:
        yield running


def checkins_of(bot: KneadBot) -> CheckinService:
    """The check-in service the Checkins cog built (each extension builds its own services)."""
    cog: Any = bot.get_cog("Checkins")
    service: CheckinService = cog.service
    return service
