"""A confirm prompt left open expires after 15 minutes: an old "Delete everything" never erases what was
logged since, an old "Remove" never removes, an old "I agree" never logs (the fake clock moves time)."""

from __future__ import annotations

from pathlib import Path

from tests.clock import FakeClock
from tests.exts.checkin_steps import agree_and_log, button_id, row_counts
from tests.exts.harness import running_kneadbot
from tests.exts.moderation_world import GENERAL, MANAGER
from tests.exts.test_moderation import add_tip, run
from tests.fakediscord import FakeDiscord

CALVES_FIRM = {"area": "calves", "intensity": "firm", "checkin_in": "2h"}


async def test_an_old_delete_everything_prompt_erases_nothing(world: FakeDiscord, tmp_path: Path) -> None:
    db_path, clock = tmp_path / "kb.sqlite3", FakeClock()
    async with running_kneadbot(world, db_path, clock=clock):
        await agree_and_log(world, CALVES_FIRM, channel_id=GENERAL.id)
        prompt = await run(world, "mydata delete")
        clock.advance(minutes=16)
        await agree_and_log(world, {"area": "feet", "intensity": "light"}, channel_id=GENERAL.id)  # logged since
        late = await world.final_reply(await world.click(prompt, button_id(prompt, "Delete everything")))
    assert late.content == "This menu has expired. Run /mydata delete again."
    assert len(late.content) < 100
    assert late.components == []
    assert await row_counts(db_path, "members", "sessions") == {"members": 1, "sessions": 2}


async def test_a_delete_prompt_within_15_minutes_still_erases(world: FakeDiscord, tmp_path: Path) -> None:
    db_path, clock = tmp_path / "kb.sqlite3", FakeClock()
    async with running_kneadbot(world, db_path, clock=clock):
        await agree_and_log(world, CALVES_FIRM, channel_id=GENERAL.id)
        prompt = await run(world, "mydata delete")
        clock.advance(minutes=14)
        done = await world.final_reply(await world.click(prompt, button_id(prompt, "Delete everything")))
    assert done.content == "Done: everything of yours is erased."
    assert await row_counts(db_path, "members", "sessions") == {"members": 0, "sessions": 0}


async def test_an_old_tip_remove_prompt_removes_nothing(world: FakeDiscord, tmp_path: Path) -> None:
    db_path, clock = tmp_path / "kb.sqlite3", FakeClock()
    async with running_kneadbot(world, db_path, clock=clock):
        await add_tip(world, MANAGER)
        prompt = await run(world, "tips remove", {"tip": "server-1"}, user=MANAGER)
        clock.advance(minutes=16)
        late = await world.final_reply(await world.click(prompt, button_id(prompt, "Remove"), user=MANAGER))
    assert late.content == "This menu has expired. Run /tips remove again."
    assert await row_counts(db_path, "guild_tips") == {"guild_tips": 1}


async def test_an_old_consent_prompt_logs_nothing_and_erases_its_held_session(
    world: FakeDiscord, tmp_path: Path
) -> None:
    db_path, clock = tmp_path / "kb.sqlite3", FakeClock()
    async with running_kneadbot(world, db_path, clock=clock):
        prompt = await run(world, "session log", CALVES_FIRM)
        clock.advance(minutes=16)
        late = await world.final_reply(await world.click(prompt, button_id(prompt, "I agree")))
    assert late.content == "This menu has expired. Run /session log again."
    assert late.components == []
    assert await row_counts(db_path, "pending_logs", "members", "sessions") == dict.fromkeys(
        ("pending_logs", "members", "sessions"), 0
    )
