"""KNEADBOT_SHARD_COUNT and KNEADBOT_SHARD_IDS: checked at start-up, and refused on SQLite.

A wrong slice would leave servers that no process serves (nobody posts their daily tip) or serve one
twice, so every mistake stops start-up with one line naming the variables.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.app import ShardedKneadBot, create_bot
from bot.library.library import Library
from bot.library.loader import load_content
from bot.models.shards import ShardSlice
from bot.settings import SettingsError, load_settings
from tests.cli import clean_env, run_bot
from tests.cluster.shard_world import guild_id_on


@pytest.fixture(autouse=True)
def no_settings_from_outside(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("KNEADBOT_") or name == "DISCORD_TOKEN":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_the_slice_is_read_as_an_operator_writes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KNEADBOT_SHARD_COUNT", "4")
    monkeypatch.setenv("KNEADBOT_SHARD_IDS", " 2, 0")
    shards = load_settings().shards
    assert shards == ShardSlice(4, frozenset({0, 2}))
    assert shards.owns(guild_id_on(2, 7, shard_count=4)) and not shards.owns(guild_id_on(1, 7, shard_count=4))
    assert shards.receives_dms


def test_without_shard_settings_the_process_serves_everything() -> None:
    assert load_settings().shards is None


@pytest.mark.parametrize(
    ("count", "ids", "problem"),
    [
        ("2", None, "KNEADBOT_SHARD_COUNT and KNEADBOT_SHARD_IDS go together: set both or neither"),
        (None, "0", "KNEADBOT_SHARD_COUNT and KNEADBOT_SHARD_IDS go together: set both or neither"),
        ("2", "0,2", "KNEADBOT_SHARD_IDS: every id must be from 0 to 1"),
        ("2", "1,1", "KNEADBOT_SHARD_IDS: a shard id is listed twice"),
        ("2", "0,one", "KNEADBOT_SHARD_IDS: Input should be a valid integer"),
        ("0", "0", "KNEADBOT_SHARD_COUNT: Input should be greater than or equal to 1"),
    ],
)
def test_a_wrong_slice_is_named_in_one_line(
    monkeypatch: pytest.MonkeyPatch, count: str | None, ids: str | None, problem: str
) -> None:
    for name, value in (("KNEADBOT_SHARD_COUNT", count), ("KNEADBOT_SHARD_IDS", ids)):
        if value is not None:
            monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert str(raised.value).startswith(problem)
    assert "\n" not in str(raised.value)


async def test_with_shard_ids_the_bot_runs_only_those_shards_of_the_given_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KNEADBOT_SHARD_COUNT", "3")
    monkeypatch.setenv("KNEADBOT_SHARD_IDS", "2,1")
    settings = load_settings()
    async with create_bot(settings, Library(load_content(settings.content_dir)), background_jobs=False) as bot:
        assert isinstance(bot, ShardedKneadBot)
        assert (bot.shard_count, bot.shard_ids) == (3, [1, 2])


def test_shard_ids_on_sqlite_refuse_to_start_in_one_line(tmp_path: Path) -> None:
    database = tmp_path / "kb.sqlite3"
    env = clean_env(
        DISCORD_TOKEN="shard-test-token-not-a-real-one",
        KNEADBOT_DB=str(database),
        KNEADBOT_SHARD_COUNT="2",
        KNEADBOT_SHARD_IDS="0",
    )
    result = run_bot(env=env)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "kneadbot: KNEADBOT_SHARD_IDS needs KNEADBOT_DATABASE_URL (PostgreSQL): the other shards run in other"
        " processes, and they can only share one PostgreSQL database, not a SQLite file"
    ]
    assert "Traceback" not in result.stdout + result.stderr
    assert not database.exists()  # refused before anything was opened or created
