"""Publishing commands deliberately, and logs an operator can ship: through the real client and logger."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import pytest
from discord.ext import commands

from bot.__main__ import sync_commands
from bot.app import create_bot
from bot.log import JsonFormatter, RedactSecrets
from tests.exts.harness import make_settings, real_library, running_kneadbot
from tests.fakediscord import FakeDiscord, running_client
from tests.fakediscord.models import DEFAULT_GUILD_ID

EXPECTED = {
    *("tip", "faq", "technique", "safety", "help", "session", "settings", "mydata", "config", "tips", "daily-tip"),
    "Check with kneadbot",  # the message context-menu command
}


async def test_sync_publishes_every_command_to_one_server(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "kb.sqlite3")
    assert await sync_commands(settings, real_library(), "fake-token", DEFAULT_GUILD_ID) == 0
    [put] = fake_discord.requests_to("PUT", rf"/guilds/{DEFAULT_GUILD_ID}/commands$")
    assert {command["name"] for command in put.json} == EXPECTED
    assert fake_discord.requests_to("PUT", r"/applications/\d+/commands$") == []  # nothing global
    assert fake_discord.requests_to("POST", r"/messages$") == []  # no job ran


async def test_sync_without_a_server_publishes_globally(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    await sync_commands(make_settings(tmp_path / "kb.sqlite3"), real_library(), "fake-token", None)
    [put] = fake_discord.requests_to("PUT", r"^/applications/\d+/commands$")
    commands = {c["name"]: c for c in put.json}
    assert int(commands["tips"]["default_member_permissions"]) == 32  # Manage Server: visibility only, checked in code
    for name in ("config", "tips", "daily-tip"):
        assert commands[name]["contexts"] == [0], name  # offered in servers only
    for name in ("tip", "faq", "technique", "safety", "help", "session", "settings", "mydata"):
        assert sorted(commands[name]["contexts"]) == [0, 1], name  # servers and DMs with the bot


def test_json_logs_are_one_object_a_line_with_the_traceback_and_no_token() -> None:
    record = logging.LogRecord("bot.test", logging.ERROR, __file__, 1, "login with %s failed", ("SECRET.TOKEN",), None)
    try:
        raise RuntimeError("token SECRET.TOKEN rejected")
    except RuntimeError:
        record.exc_info = sys.exc_info()
    assert RedactSecrets("SECRET.TOKEN").filter(record)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["level"] == "ERROR"
    assert entry["message"] == "login with [redacted] failed"
    assert "RuntimeError: token [redacted] rejected" in entry["exc"]
    assert "SECRET" not in json.dumps(entry)


@pytest.mark.parametrize("json_lines", [False, True])
def test_setup_logging_redacts_the_token_in_both_formats(json_lines: bool, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.log import setup_logging

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        setup_logging("INFO", secrets=("SECRET.TOKEN",), json_lines=json_lines)
        logging.getLogger("discord.http").info("token is SECRET.TOKEN")
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    err = capsys.readouterr().err
    assert "[redacted]" in err
    assert "SECRET" not in err


async def test_commands_are_counted_for_prometheus(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    async with running_kneadbot(fake_discord, tmp_path / "kb.sqlite3") as bot:
        await fake_discord.interaction_reply(await fake_discord.slash("tip"))
        await fake_discord.interaction_reply(await fake_discord.slash("tip", {"topic": "nonsense"}))
        await fake_discord.settle()
    sample = bot.metrics.registry.get_sample_value
    assert sample("kneadbot_commands_total", {"command": "tip", "outcome": "ok"}) == 1
    assert sample("kneadbot_commands_total", {"command": "tip", "outcome": "error"}) == 1


async def test_the_sharded_bot_is_selectable_and_serves_commands(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    """KNEADBOT_SHARDED=true runs discord.py's AutoShardedBot: same cogs, same answers (docs/scaling.md)."""
    settings = make_settings(tmp_path / "kb.sqlite3", sharded=True)
    bot = create_bot(settings, real_library())
    assert isinstance(bot, commands.AutoShardedBot)
    async with running_client(fake_discord, bot):
        reply = await fake_discord.interaction_reply(await fake_discord.slash("tip", {"topic": "pressure"}))
    assert reply.embeds[0]["title"] == "Tip · Pressure"
