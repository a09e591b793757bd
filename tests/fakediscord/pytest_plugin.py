"""pytest fixtures for the fake Discord.

Enable with ``pytest_plugins = ["tests.fakediscord.pytest_plugin"]`` (root conftest or a
test module). ``fake_discord`` fails the test at teardown if any request broke Discord's
API rules; a test that provokes violations on purpose sets
``fake_discord.fail_on_violations = False`` and asserts on ``fake_discord.violations``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from .server import FakeDiscord


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """A started ``FakeDiscord`` with the default guild; closed after the test."""
    fake = FakeDiscord()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()
    bugs = [str(v) for v in fake.violations if v.kind == "fake-bug"]
    if bugs:  # never silenced: the fake itself crashed and answered 500
        pytest.fail("the fake Discord crashed:\n" + "\n".join(bugs), pytrace=False)
    if fake.fail_on_violations and fake.violation_report():
        pytest.fail("Discord would have rejected requests:\n" + fake.violation_report(), pytrace=False)
