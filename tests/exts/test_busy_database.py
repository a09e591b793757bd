"""Another process holds SQLite's write lock: every command is still acknowledged in Discord's 3 s,
read-only ones are answered in full, writes finish once the lock goes, and a lock that outlasts the
busy timeout gets a clear private "try again" with nothing saved.

No timing is asserted: the lock is held until the acknowledgements have arrived (bounded by a
generous WAIT_S), so "acknowledged while the database was locked" is an order of events. Before
reads had their own connection and writes deferred, nothing arrived while the lock was held.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.storage import db as db_module
from tests.clock import FakeClock
from tests.dblock import write_lock_held
from tests.exts.checkin_steps import agree_and_log, button_id, rows, run_scheduler
from tests.exts.harness import running_kneadbot
from tests.fakediscord import FakeDiscord

WAIT_S = 30.0  # a bound on waiting, far beyond any machine's speed; nothing here should come near it
CALVES = {"area": "calves", "intensity": "light"}
FEET = {"area": "feet", "intensity": "firm"}
BUSY = "The database is busy; try again in a moment."
EPHEMERAL = 64


def requests_for(fake: FakeDiscord, token: str) -> list[object]:
    return fake.requests_to("*", rf"^/webhooks/\d+/{token}")


async def test_commands_are_acknowledged_while_another_process_holds_the_write_lock(
    fake_discord: FakeDiscord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_MS", 120_000)  # our writer waits for the lock, it does not give up
    db_path = tmp_path / "kb.sqlite3"
    async with running_kneadbot(fake_discord, db_path):
        await agree_and_log(fake_discord, CALVES)
        async with write_lock_held(db_path):
            logging = await fake_discord.slash("session log", FEET)
            upcoming = await fake_discord.slash("session upcoming")
            tip = await fake_discord.slash("tip", {"topic": "pressure"})
            log_ack = await fake_discord.interaction_reply(logging, timeout=WAIT_S)
            upcoming_reply = await fake_discord.interaction_reply(upcoming, timeout=WAIT_S)
            tip_reply = await fake_discord.interaction_reply(tip, timeout=WAIT_S)
            assert requests_for(fake_discord, logging.token) == []  # the write really is waiting for the lock
        logged = await fake_discord.final_reply(logging, timeout=WAIT_S)
    assert (log_ack.type, bool(log_ack.flags & EPHEMERAL)) == (5, True)  # "thinking...", privately
    assert logged.ephemeral
    assert logged.embeds[0]["title"] == "Session logged"
    assert upcoming_reply.type == 4
    assert upcoming_reply.embeds[0]["title"] == "Your upcoming check-ins"
    assert "calves" in upcoming_reply.embeds[0]["description"]
    assert tip_reply.type == 4
    assert tip_reply.embeds[0]["title"] == "Tip · Pressure"
    assert [r[0] for r in await rows(db_path, "SELECT area FROM sessions ORDER BY id")] == ["calves", "feet"]


async def test_a_lock_held_past_the_busy_timeout_gets_try_again_and_saves_nothing(
    fake_discord: FakeDiscord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_MS", 50)
    db_path = tmp_path / "kb.sqlite3"
    async with running_kneadbot(fake_discord, db_path):
        await agree_and_log(fake_discord, CALVES)
        prompt = await fake_discord.final_reply(await fake_discord.slash("mydata delete"), timeout=WAIT_S)
        async with write_lock_held(db_path):
            logging = await fake_discord.slash("session log", FEET)
            busy_log = await fake_discord.final_reply(logging, timeout=WAIT_S)
            zone = await fake_discord.final_reply(
                await fake_discord.slash("settings timezone", {"name": "Europe/Paris"}), timeout=WAIT_S
            )
            erase = await fake_discord.click(prompt, button_id(prompt, "Delete everything"))
            busy_erase = await fake_discord.final_reply(erase, timeout=WAIT_S)
        retried = await fake_discord.final_reply(await fake_discord.slash("session log", FEET), timeout=WAIT_S)
    assert (await fake_discord.interaction_reply(logging)).type == 5
    for reply in (busy_log, zone, busy_erase):
        assert reply.ephemeral
        assert reply.content == BUSY
    assert retried.embeds[0]["title"] == "Session logged"
    assert [r[0] for r in await rows(db_path, "SELECT area FROM sessions ORDER BY id")] == ["calves", "feet"]
    assert await rows(db_path, "SELECT timezone FROM members") == [("UTC",)]


async def test_a_check_in_answer_is_acknowledged_while_the_database_is_locked(
    fake_discord: FakeDiscord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_MS", 120_000)
    clock, db_path = FakeClock(), tmp_path / "kb.sqlite3"
    async with running_kneadbot(fake_discord, db_path, clock=clock) as bot:
        await agree_and_log(fake_discord, {**CALVES, "checkin_in": "1h"})
        await run_scheduler(bot, clock, hours=1)
        [message] = fake_discord.dm_messages(fake_discord.user.id)
        async with write_lock_held(db_path):
            pressed = await fake_discord.click(message, button_id(message, "Mild"))
            ack = await fake_discord.interaction_reply(pressed, timeout=WAIT_S)
            assert requests_for(fake_discord, pressed.token) == []  # the answer waits for the lock
        guidance = await fake_discord.final_reply(pressed, timeout=WAIT_S)
    assert ack.type == 5
    assert guidance.embeds[0]["title"] == "Thanks, glad to hear it"
    assert await rows(db_path, "SELECT soreness FROM answers") == [(1,)]
