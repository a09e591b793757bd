"""Fixtures shared by the whole suite: the fake Discord, a hand-moved clock, a real SQLite file and services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest

from bot.guilds.audit import AuditTrail
from bot.guilds.service import GuildService
from bot.guilds.tips import GuildTipService
from bot.storage.db import open_database, open_reader
from tests.clock import FakeClock

pytest_plugins = ("tests.fakediscord.pytest_plugin",)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[aiosqlite.Connection]:
    """A real SQLite file with every migration applied."""
    connection = await open_database(tmp_path / "k.sqlite3")
    yield connection
    await connection.close()


@pytest.fixture
async def reader(db: aiosqlite.Connection, tmp_path: Path) -> AsyncIterator[aiosqlite.Connection]:
    """The read-only connection beside `db`, as the bot wires it: services read through it."""
    connection = await open_reader(tmp_path / "k.sqlite3")
    assert connection is not None
    yield connection
    await connection.close()


@pytest.fixture
def audit(db: aiosqlite.Connection, reader: aiosqlite.Connection, clock: FakeClock) -> AuditTrail:
    return AuditTrail(db, clock=clock, reader=reader)


@pytest.fixture
def guilds(db: aiosqlite.Connection, reader: aiosqlite.Connection, audit: AuditTrail, clock: FakeClock) -> GuildService:
    return GuildService(db, audit=audit, clock=clock, reader=reader)


@pytest.fixture
def guild_tips(
    db: aiosqlite.Connection, reader: aiosqlite.Connection, audit: AuditTrail, clock: FakeClock
) -> GuildTipService:
    return GuildTipService(db, audit=audit, clock=clock, reader=reader)
