from __future__ import annotations

import random
from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest

from bot.daily.service import DailyTipService
from bot.guilds.audit import AuditTrail
from bot.guilds.service import GuildService
from bot.guilds.tips import GuildTipService
from bot.library.models import Tip
from bot.storage.db import open_database
from tests.clock import FakeClock
from tests.daily.support import make_tips


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[aiosqlite.Connection]:
    connection = await open_database(tmp_path / "k.sqlite3")
    yield connection
    await connection.close()


@pytest.fixture
def builtin_tips() -> list[Tip]:
    return make_tips(5, prefix="built-in")


@pytest.fixture
def audit(db: aiosqlite.Connection, clock: FakeClock) -> AuditTrail:
    return AuditTrail(db, clock=clock)


@pytest.fixture
def daily(db: aiosqlite.Connection, audit: AuditTrail, clock: FakeClock, builtin_tips: list[Tip]) -> DailyTipService:
    return DailyTipService(db, builtin_tips=lambda: builtin_tips, audit=audit, clock=clock, rng=random.Random(7))


@pytest.fixture
def guild_tips(db: aiosqlite.Connection, audit: AuditTrail, clock: FakeClock) -> GuildTipService:
    return GuildTipService(db, audit=audit, clock=clock)


@pytest.fixture
def guilds(db: aiosqlite.Connection, audit: AuditTrail, clock: FakeClock) -> GuildService:
    return GuildService(db, audit=audit, clock=clock)
