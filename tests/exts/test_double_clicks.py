"""Two clicks on the same confirm button arriving together: both answered, the change made once."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.exts.checkin_steps import agree_and_log, button_id, row_counts, rows
from tests.exts.harness import running_kneadbot
from tests.exts.moderation_world import GENERAL, MANAGER
from tests.exts.test_moderation import add_tip, run
from tests.fakediscord import FakeDiscord, InteractionReply

CALVES_FIRM = {"area": "calves", "intensity": "firm", "checkin_in": "2h"}


async def double_click(
    fake: FakeDiscord, prompt: InteractionReply, label: str, **who: object
) -> list[InteractionReply]:
    """Send both clicks before the bot has answered either, then collect both answers."""
    custom_id = button_id(prompt, label)
    states = await asyncio.gather(fake.click(prompt, custom_id, **who), fake.click(prompt, custom_id, **who))
    return [await fake.final_reply(state, timeout=10) for state in states]


async def test_a_double_clicked_i_agree_logs_one_session_and_answers_both(world: FakeDiscord, tmp_path: Path) -> None:
    db_path = tmp_path / "kb.sqlite3"
    async with running_kneadbot(world, db_path):
        prompt = await run(world, "session log", CALVES_FIRM)
        replies = await double_click(world, prompt, "I agree")
    assert [reply.embeds[0]["title"] for reply in replies] == ["Session logged", "Session logged"]
    assert replies[0].embeds[0]["fields"] == replies[1].embeds[0]["fields"]  # the same session, shown twice
    assert await rows(db_path, "SELECT count(*) FROM members") == [(1,)]
    assert await rows(db_path, "SELECT count(*) FROM sessions") == [(1,)]
    assert await rows(db_path, "SELECT count(*) FROM checkins") == [(1,)]


async def test_a_double_clicked_delete_erases_once_and_answers_both(world: FakeDiscord, tmp_path: Path) -> None:
    db_path = tmp_path / "kb.sqlite3"
    async with running_kneadbot(world, db_path):
        await agree_and_log(world, CALVES_FIRM, channel_id=GENERAL.id)
        prompt = await run(world, "mydata delete")
        replies = await double_click(world, prompt, "Delete everything")
    assert [reply.content for reply in replies] == ["Done: everything of yours is erased."] * 2
    counts = await row_counts(db_path, "members", "sessions", "checkins")
    assert set(counts.values()) == {0}, counts


async def test_a_double_clicked_tip_remove_removes_once_and_answers_both(world: FakeDiscord, tmp_path: Path) -> None:
    db_path = tmp_path / "kb.sqlite3"
    async with running_kneadbot(world, db_path):
        await add_tip(world, MANAGER)
        await add_tip(world, MANAGER, text="A second tip, so that removing one leaves one behind.")
        prompt = await run(world, "tips remove", {"tip": "server-1"}, user=MANAGER)
        replies = await double_click(world, prompt, "Remove", user=MANAGER)
    assert sorted(reply.content for reply in replies) == ["Removed `server-1`.", "`server-1` is already removed."]
    assert await rows(db_path, "SELECT id FROM guild_tips") == [(2,)]
    assert await rows(db_path, "SELECT count(*) FROM audit_log WHERE action = 'remove-tip'") == [(1,)]
