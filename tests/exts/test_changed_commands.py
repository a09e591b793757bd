"""A member whose Discord client still shows a command the bot no longer has, or no longer has in that shape."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.exts.harness import running_kneadbot
from tests.fakediscord import FakeDiscord

CHANGED = "That command has changed; Discord will update your list shortly."


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("recipe", None),  # CommandNotFound: a command removed in a deploy
        ("session", None),  # CommandSignatureMismatch: a group invoked as if it were a command
        ("session archive", None),  # CommandNotFound: a subcommand that no longer exists
    ],
)
async def test_an_out_of_date_command_gets_a_private_explanation_and_no_traceback(
    fake_discord: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture, name: str, options: None
) -> None:
    caplog.set_level(logging.INFO)
    async with running_kneadbot(fake_discord, tmp_path / "kb.sqlite3"):
        reply = await fake_discord.interaction_reply(await fake_discord.slash(name, options))
    assert reply.ephemeral
    assert reply.content == CHANGED
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info], caplog.text
    assert any(r.levelno == logging.INFO and "Out-of-date command" in r.getMessage() for r in caplog.records)


async def test_autocomplete_for_a_removed_command_gets_no_suggestions(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    async with running_kneadbot(fake_discord, tmp_path / "kb.sqlite3"):
        state = await fake_discord.autocomplete("recipe", {"name": "ca"}, "name")
        reply = await fake_discord.interaction_reply(state)
    assert reply.type == 8
    assert reply.data["choices"] == []
