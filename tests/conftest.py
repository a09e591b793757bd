"""Fixtures shared by the whole suite: the fake Discord, a hand-moved clock, a real database and services.

`db` runs each test that uses it on both back-ends: a real SQLite file always, and PostgreSQL when
KNEADBOT_TEST_DATABASE_URL names a server (otherwise those cases skip, saying so). Each xdist worker
gets a database of its own on that server, and each test a fresh, freshly migrated schema.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.guilds.audit import AuditTrail
from bot.guilds.service import GuildService
from bot.guilds.tips import GuildTipService
from bot.storage.db import Database, open_database
from tests.backends import BACKENDS, drop_created_databases, fresh_location
from tests.clock import FakeClock

pytest_plugins = ("tests.fakediscord.pytest_plugin",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files holding a `slow` test run first, each file's tests in their order.

    With xdist (`--dist loadfile`) a file runs whole on one worker, handed out in this order. The kill
    proofs take 20-40 s each on a busy machine: started last, one of them alone made the suite's tail;
    started first, the hundreds of short tests fill the cores around them. Every worker sorts the same
    collection the same way, as xdist requires.
    """
    slow_files = {item.path for item in items if item.get_closest_marker("slow") is not None}
    items.sort(key=lambda item: item.path not in slow_files)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=BACKENDS)
def database_location(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """An empty database: a SQLite file path, or the URL of this worker's PostgreSQL database, emptied."""
    return fresh_location(request.param, tmp_path, request.config)


@pytest.fixture
def postgres_location(tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """An empty PostgreSQL database for a PostgreSQL-only test; skips, saying why, without a server."""
    location = fresh_location("postgres", tmp_path, request.config)
    assert isinstance(location, str)
    return location


@pytest.fixture
async def db(database_location: Path | str) -> AsyncIterator[Database]:
    """A real database with every migration applied."""
    database = await open_database(database_location)
    yield database
    await database.close()


@pytest.fixture
def reader(db: Database) -> Database:
    """What the services read through: the same Database, whose reads outside a transaction use its reader."""
    return db


@pytest.fixture
def audit(db: Database, clock: FakeClock) -> AuditTrail:
    return AuditTrail(db, clock=clock)


@pytest.fixture
def guilds(db: Database, audit: AuditTrail, clock: FakeClock) -> GuildService:
    return GuildService(db, audit=audit, clock=clock)


@pytest.fixture
def guild_tips(db: Database, audit: AuditTrail, clock: FakeClock) -> GuildTipService:
    return GuildTipService(db, audit=audit, clock=clock)


def pytest_sessionfinish(session: pytest.Session) -> None:
    drop_created_databases()
