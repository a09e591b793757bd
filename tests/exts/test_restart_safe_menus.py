"""Menus and prompts opened before a restart still answer after it; a click nobody can serve gets told so.

Each test opens a menu on one bot process, closes that bot (a deploy), starts a new one on the same
fake Discord and database file, and clicks: the member must get an answer, never "This interaction failed".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import discord

from bot.app import KneadBot
from bot.ui.checkins import DECLINED
from tests.clock import FakeClock
from tests.exts.checkin_steps import agree_and_log, button_id, row_counts, rows
from tests.exts.harness import running_kneadbot
from tests.exts.moderation_world import GENERAL, MANAGER, MODDER
from tests.exts.test_moderation import add_tip, run
from tests.fakediscord import FakeDiscord, User

CALVES_FIRM = {"area": "calves", "intensity": "firm", "note": "after the *long* run"}
STRANGER = User(id=777_000_000_000_000_002, username="stranger")


async def test_technique_pages_after_a_restart_and_only_for_its_owner(world: FakeDiscord, tmp_path: Path) -> None:
    db_path = tmp_path / "kb.sqlite3"
    async with running_kneadbot(world, db_path):
        first = await run(world, "technique", {"name": "calf"})
    async with running_kneadbot(world, db_path):
        second = await world.final_reply(await world.click(first, button_id(first, "Next")))
        stranger = await world.final_reply(await world.click(second, button_id(second, "Next"), user=STRANGER))
        after_stranger = world.messages(GENERAL.id)[-1]["embeds"][0]["title"]
        back = await world.final_reply(await world.click(second, button_id(second, "Back")))
    assert second.embeds[0]["title"].startswith("Calf") and "Step 2 of" in second.embeds[0]["title"]
    assert stranger.ephemeral and stranger.content.startswith("Only the member who opened this")
    assert "Step 1 of" in back.embeds[0]["title"]
    assert "Step 2 of" in after_stranger  # the stranger's click changed nothing


async def test_safety_menu_answers_after_a_restart(world: FakeDiscord, tmp_path: Path) -> None:
    db_path = tmp_path / "kb.sqlite3"
    async with running_kneadbot(world, db_path):
        intro = await run(world, "safety")
    select_id = intro.components[0]["components"][0]["custom_id"]
    async with running_kneadbot(world, db_path):
        result = await world.final_reply(await world.click(intro, select_id, values=["none-of-these"]))
    assert result.embeds[0]["title"]
    assert result.components == []


async def test_consent_given_after_a_restart_logs_the_session_once(world: FakeDiscord, tmp_path: Path) -> None:
    db_path = tmp_path / "kb.sqlite3"
    async with running_kneadbot(world, db_path):
        prompt = await run(world, "session log", CALVES_FIRM)
    assert await rows(db_path, "SELECT count(*) FROM sessions") == [(0,)]
    async with running_kneadbot(world, db_path):
        agreed = await world.final_reply(await world.click(prompt, button_id(prompt, "I agree")))
    assert agreed.embeds[0]["title"] == "Session logged"
    stored = await rows(db_path, "SELECT area, intensity, note FROM sessions")
    assert stored == [("calves", "firm", CALVES_FIRM["note"])]
    assert await rows(db_path, "SELECT count(*) FROM checkins") == [(1,)]


async def test_declining_consent_forgets_the_held_session(world: FakeDiscord, tmp_path: Path) -> None:
    db_path = tmp_path / "kb.sqlite3"
    async with running_kneadbot(world, db_path):
        prompt = await run(world, "session log", CALVES_FIRM)
        declined = await world.final_reply(await world.click(prompt, button_id(prompt, "Cancel")))
    prompt_text = prompt.embeds[0]["description"]
    assert "held for at most two hours so that **I agree** (open for 15 minutes) can save it" in prompt_text
    assert "**Cancel** erases it now" in prompt_text
    assert "Nothing is stored" not in prompt_text  # it is stored, briefly: the prompt must not say otherwise
    assert declined.content == DECLINED
    counts = await row_counts(db_path, "pending_logs", "members", "sessions", "checkins")
    assert set(counts.values()) == {0}, counts


async def test_a_held_session_past_its_hour_is_erased_by_the_next_hold(world: FakeDiscord, tmp_path: Path) -> None:
    """The prompt says "at most two hours": an unanswered hold is gone once its hour has passed."""
    db_path, clock = tmp_path / "kb.sqlite3", FakeClock()
    async with running_kneadbot(world, db_path, clock=clock):
        await run(world, "session log", CALVES_FIRM)
        clock.advance(hours=1, minutes=1)
        await run(world, "session log", {"area": "feet", "intensity": "light"}, user=STRANGER)
    assert await rows(db_path, "SELECT user_id, area FROM pending_logs") == [(STRANGER.id, "feet")]


async def test_a_held_session_past_its_hour_is_erased_by_the_hourly_job_with_no_new_hold(
    world: FakeDiscord, tmp_path: Path
) -> None:
    """Nobody logs again: the hourly housekeeping task alone keeps the prompt's "at most two hours", and not
    earlier than the hold's hour."""
    db_path, clock = tmp_path / "kb.sqlite3", FakeClock()
    async with running_kneadbot(world, db_path, clock=clock) as bot:
        await run(world, "session log", CALVES_FIRM)
        clock.advance(minutes=50)
        await wake_held_purge(bot)
        held_after_50_minutes = await rows(db_path, "SELECT area FROM pending_logs")
        clock.advance(hours=1, minutes=1)
        await wake_held_purge(bot)
        held_after_2_hours = await rows(db_path, "SELECT area FROM pending_logs")
    assert held_after_50_minutes == [("calves",)]
    assert held_after_2_hours == []


async def wake_held_purge(bot: KneadBot) -> None:
    """Run the due housekeeping now (the hourly purge is due an hour after the last run) and wait until its
    runner says it is asleep again (it ran since the wake)."""
    asleep = bot.wait_for("job_asleep", check=lambda name, _until: name == "checkins-housekeeping", timeout=30)
    cast(Any, bot.get_cog("Checkins")).housekeeping.wake()
    await asleep


async def test_a_session_held_for_consent_is_in_the_export_and_goes_with_delete(
    world: FakeDiscord, tmp_path: Path
) -> None:
    db_path = tmp_path / "kb.sqlite3"
    async with running_kneadbot(world, db_path):
        await run(world, "session log", CALVES_FIRM)
        exported = await run(world, "mydata export")
        prompt = await run(world, "mydata delete")
        await world.final_reply(await world.click(prompt, button_id(prompt, "Delete everything")))
    [held] = json.loads(exported.files[0].data)["sessions_awaiting_consent"]
    assert (held["area"], held["note"]) == ("calves", CALVES_FIRM["note"])
    assert await row_counts(db_path, "pending_logs") == {"pending_logs": 0}


async def test_consent_after_the_held_session_was_forgotten_says_so(world: FakeDiscord, tmp_path: Path) -> None:
    """Within the prompt's 15 minutes, but the held session is gone (here: erased with /mydata delete)."""
    clock, db_path = FakeClock(), tmp_path / "kb.sqlite3"
    async with running_kneadbot(world, db_path, clock=clock):
        prompt = await run(world, "session log", CALVES_FIRM)
        clock.advance(minutes=5)
        erase = await run(world, "mydata delete")
        await world.final_reply(await world.click(erase, button_id(erase, "Delete everything")))
        late = await world.final_reply(await world.click(prompt, button_id(prompt, "I agree")))
    assert late.content == "This question has expired. Run /session log again to log a session."
    counts = await row_counts(db_path, "pending_logs", "members", "sessions")
    assert set(counts.values()) == {0}, counts


async def test_mydata_delete_confirmed_after_a_restart_erases(world: FakeDiscord, tmp_path: Path) -> None:
    db_path = tmp_path / "kb.sqlite3"
    async with running_kneadbot(world, db_path):
        await agree_and_log(world, CALVES_FIRM, channel_id=GENERAL.id)
        prompt = await run(world, "mydata delete")
    async with running_kneadbot(world, db_path):
        done = await world.final_reply(await world.click(prompt, button_id(prompt, "Delete everything")))
    assert done.content == "Done: everything of yours is erased."
    counts = await row_counts(db_path, "pending_logs", "members", "sessions", "checkins")
    assert set(counts.values()) == {0}, counts


async def test_tips_list_and_remove_work_after_a_restart(world: FakeDiscord, tmp_path: Path) -> None:
    db_path = tmp_path / "kb.sqlite3"
    async with running_kneadbot(world, db_path):
        for number in range(11):
            await add_tip(world, MANAGER, text=f"Server tip number {number} about warming up gently.")
        listed = await run(world, "tips list", user=MANAGER)
        prompt = await run(world, "tips remove", {"tip": "server-3"}, user=MANAGER)
    async with running_kneadbot(world, db_path):
        page_two = await world.final_reply(await world.click(listed, button_id(listed, "Next"), user=MANAGER))
        other = await world.final_reply(await world.click(prompt, button_id(prompt, "Remove"), user=MODDER))
        removed = await world.final_reply(await world.click(prompt, button_id(prompt, "Remove"), user=MANAGER))
    assert page_two.embeds[0]["footer"]["text"] == "Page 2 of 2 · 11 tips"
    assert other.content.startswith("Only the member who opened this")
    assert removed.content == "Removed `server-3`."
    assert await rows(db_path, "SELECT count(*) FROM guild_tips") == [(10,)]


async def test_a_click_on_a_menu_no_running_bot_knows_is_answered(world: FakeDiscord, tmp_path: Path) -> None:
    """A menu from an older version (random custom_ids, state in memory only) after a restart."""
    db_path = tmp_path / "kb.sqlite3"
    async with running_kneadbot(world, db_path) as bot:
        old_menu = discord.ui.View(timeout=None)
        old_menu.add_item(discord.ui.Button(label="Next"))
        channel = bot.get_channel(GENERAL.id)
        assert isinstance(channel, discord.TextChannel)
        sent = await channel.send("Step 1", view=old_menu)
        form = await run(world, "tips add", user=MANAGER)
    message = next(m for m in world.messages(GENERAL.id) if m["id"] == str(sent.id))
    async with running_kneadbot(world, db_path):
        clicked = await world.final_reply(await world.click(message, button_id(message, "Next")))
        fields = [row["components"][0]["custom_id"] for row in form.data["components"]]
        typed = dict.fromkeys(fields, "https://www.nhs.uk/ is where this tip comes from")
        submitted = await world.final_reply(await world.submit_modal(form, typed, user=MANAGER))
    assert clicked.ephemeral
    assert clicked.content == "This menu has expired. Run the command again."
    assert submitted.ephemeral
    assert submitted.content == "This form has expired, so nothing was saved. Run the command again."
    assert await rows(db_path, "SELECT count(*) FROM guild_tips") == [(0,)]
