from __future__ import annotations

import pytest

from bot.guilds.tips import GuildTipService


@pytest.fixture
def tips(guild_tips: GuildTipService) -> GuildTipService:
    """The server-tip service under the short name these tests use (see tests/conftest.py)."""
    return guild_tips
