"""Fixtures for tests that run the real bot against the fake Discord."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.exts.moderation_world import two_servers
from tests.fakediscord import FakeDiscord


@pytest.fixture
async def world() -> AsyncIterator[FakeDiscord]:
    """The fake Discord with two servers, moderators and a locked channel; fails on any rejected request."""
    fake = FakeDiscord(guilds=two_servers())
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()
    assert not fake.violation_report(), fake.violation_report()
