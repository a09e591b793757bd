"""A member's own data: upcoming, cancel, history with a chart, settings, export and delete."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from tests.clock import FakeClock
from tests.exts.checkin_steps import agree_and_log, button_id, rows, run_scheduler
from tests.exts.harness import running_kneadbot
from tests.fakediscord import FakeDiscord, InteractionReply, User

STRANGER = User(id=777_000_000_000_000_001, username="stranger")
TABLES = ("members", "sessions", "checkins", "answers")


async def reply_to(fake: FakeDiscord, command: str, options: dict | None = None, **who: object) -> InteractionReply:
    return await fake.final_reply(await fake.slash(command, options or {}, **who))


async def test_members_see_and_cancel_only_their_own_check_ins(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    db_path = tmp_path / "kb.sqlite3"
    async with running_kneadbot(fake_discord, db_path):
        await agree_and_log(fake_discord, {"area": "feet", "intensity": "light"})
        await agree_and_log(fake_discord, {"area": "thighs", "intensity": "deep"}, user=STRANGER)
        mine = await reply_to(fake_discord, "session upcoming")
        offered = await fake_discord.final_reply(
            await fake_discord.autocomplete("session cancel", {"checkin": ""}, "checkin")
        )
        theirs = await reply_to(fake_discord, "session cancel", {"checkin": 2})
        cancelled = await reply_to(fake_discord, "session cancel", {"checkin": 1})
    assert "#1" in mine.embeds[0]["description"]
    assert "#2" not in mine.embeds[0]["description"]
    assert [c["value"] for c in offered.choices] == [1]
    assert theirs.ephemeral
    assert theirs.content.startswith("I couldn't find check-in #2 among yours")
    assert cancelled.content.startswith("Cancelled #1")
    assert await rows(db_path, "SELECT id, state FROM checkins ORDER BY id") == [(1, "cancelled"), (2, "pending")]


async def test_history_lists_answers_and_attaches_a_chart(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    clock, alice = FakeClock(), fake_discord.user.id
    async with running_kneadbot(fake_discord, tmp_path / "kb.sqlite3", clock=clock) as bot:
        for level in ("Mild", "Moderate", "None"):
            await agree_and_log(fake_discord, {"area": "calves", "intensity": "firm", "checkin_in": "1h"})
            await run_scheduler(bot, clock, hours=1)
            message = fake_discord.dm_messages(alice)[-1]
            await fake_discord.final_reply(await fake_discord.click(message, button_id(message, level)))
            clock.advance(hours=20)
        state = await fake_discord.slash("session history", {})
        deferred = await fake_discord.interaction_reply(state)
        [followup] = await fake_discord.wait_followups(state)
    assert deferred.type == 5
    assert deferred.ephemeral
    fields = followup["embeds"][0]["fields"]
    assert [f["value"] for f in fields] == ["Soreness: None", "Soreness: Moderate", "Soreness: Mild"]
    assert followup["embeds"][0]["image"]["url"] == "attachment://soreness.png"
    [chart] = fake_discord.requests_to("POST", r"^/webhooks/")[-1].files
    assert chart.filename == "soreness.png"
    assert chart.data.startswith(b"\x89PNG")


async def test_quiet_hours_in_the_members_zone_hold_a_check_in(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    clock = FakeClock()  # 2026-03-02 09:00 UTC = 20:00 in Sydney (UTC+11)
    async with running_kneadbot(fake_discord, tmp_path / "kb.sqlite3", clock=clock) as bot:
        await agree_and_log(fake_discord, {"area": "feet", "intensity": "light", "checkin_in": "2h"})
        zone = await reply_to(fake_discord, "settings timezone", {"name": "australia/sydney"})
        quiet = await reply_to(fake_discord, "settings quiet-hours", {"start": "21:30", "end": "07:00"})
        upcoming = await reply_to(fake_discord, "session upcoming")
        await run_scheduler(bot, clock, hours=2)  # 22:00 in Sydney: quiet
        held = len(fake_discord.dm_messages(fake_discord.user.id))
        await run_scheduler(bot, clock, hours=9)  # 07:00 in Sydney
    assert zone.content == "Your time zone is now **Australia/Sydney**."
    assert quiet.content == "Quiet hours: 21:30–07:00."
    assert "<t:1772481600:f>" in upcoming.embeds[0]["description"]  # 2026-03-02 20:00 UTC = 07:00 Sydney
    assert held == 0
    assert len(fake_discord.dm_messages(fake_discord.user.id)) == 1


async def test_bad_settings_get_clear_private_errors(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    async with running_kneadbot(fake_discord, tmp_path / "kb.sqlite3"):
        await agree_and_log(fake_discord, {"area": "feet", "intensity": "light"})
        zone = await reply_to(fake_discord, "settings timezone", {"name": "Mars/Olympus_Mons"})
        quiet = await reply_to(fake_discord, "settings quiet-hours", {"start": "25:00", "end": "07:00"})
        delay = await reply_to(fake_discord, "session log", {"area": "feet", "intensity": "light", "checkin_in": "3w"})
        zones = await fake_discord.final_reply(
            await fake_discord.autocomplete("settings timezone", {"name": "europe/lon"}, "name")
        )
    for reply in (zone, quiet, delay):
        assert reply.ephemeral
        assert reply.content
    assert [c["value"] for c in zones.choices] == ["Europe/London"]


async def test_export_then_delete_leaves_nothing_behind(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    clock, db_path, alice = FakeClock(), tmp_path / "kb.sqlite3", fake_discord.user.id
    async with running_kneadbot(fake_discord, db_path, clock=clock) as bot:
        await agree_and_log(
            fake_discord, {"area": "calves", "intensity": "firm", "checkin_in": "1h", "note": "left calf"}
        )
        await agree_and_log(fake_discord, {"area": "feet", "intensity": "light"}, user=STRANGER)
        await run_scheduler(bot, clock, hours=1)
        message = fake_discord.dm_messages(alice)[-1]
        await fake_discord.final_reply(await fake_discord.click(message, button_id(message, "Mild")))
        exported = await reply_to(fake_discord, "mydata export")
        prompt = await reply_to(fake_discord, "mydata delete")
        done = await fake_discord.final_reply(await fake_discord.click(prompt, button_id(prompt, "Delete everything")))
    [file] = exported.files
    data = json.loads(file.data)
    assert exported.ephemeral
    assert "left calf" in file.data.decode()
    assert data["sessions"]
    assert done.content == "Done: everything of yours is erased."
    for table in TABLES:
        assert await rows(db_path, f"SELECT count(*) FROM {table} WHERE user_id = ?", alice) == [(0,)], table
    for table in ("members", "sessions", "checkins"):  # the other member answered nothing, but keeps the rest
        assert await rows(db_path, f"SELECT count(*) FROM {table} WHERE user_id = ?", STRANGER.id) == [(1,)]


async def test_history_shows_the_members_note_and_dates_in_their_zone_and_never_pings(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    clock = FakeClock(datetime(2026, 3, 2, 20, 0, tzinfo=UTC))  # already 3 March in Sydney (UTC+11)
    async with running_kneadbot(fake_discord, tmp_path / "kb.sqlite3", clock=clock):
        note = "@everyone <@&1234> <@5678> ouch"
        await agree_and_log(fake_discord, {"area": "thighs", "intensity": "deep", "note": note})
        await reply_to(fake_discord, "settings timezone", {"name": "Australia/Sydney"})
        history = await reply_to(fake_discord, "session history")
    [field] = history.embeds[0]["fields"]
    assert field["name"] == "03 Mar 2026 · thighs, deep"
    assert "@everyone <@&1234> <@5678> ouch" in field["value"]  # shown as typed...
    assert history.allowed_mentions == {"parse": []}  # ...and unable to ping anyone
