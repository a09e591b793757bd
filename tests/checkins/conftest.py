from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest

from bot.checkins.service import CheckinService
from bot.storage.db import open_database
from tests.checkins.support import MEMBER, FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[aiosqlite.Connection]:
    connection = await open_database(tmp_path / "k.sqlite3")
    yield connection
    await connection.close()


@pytest.fixture
def service(db: aiosqlite.Connection, clock: FakeClock) -> CheckinService:
    return CheckinService(db, clock=clock)


@pytest.fixture
async def member(service: CheckinService) -> int:
    await service.give_consent(MEMBER)
    return MEMBER
