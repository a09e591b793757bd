"""The hardening suite's world fixture, and its marker (registered here so pyproject.toml stays as it is)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakediscord.interceptors import InterceptingFakeDiscord
from tests.hardening import world as w
from tests.hardening.checks import mention_problems


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: runs real bot processes (seconds, not milliseconds); part of the default suite"
    )


@pytest.fixture
async def fake() -> AsyncIterator[InterceptingFakeDiscord]:
    """Two servers; fails the test on a request Discord would reject or any ping the bot did not mean."""
    fake = InterceptingFakeDiscord(guilds=w.two_servers())
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()
    assert not fake.violation_report(), fake.violation_report()
    assert not mention_problems(fake.requests), mention_problems(fake.requests)
