"""Each extension owns its wiring: unloading one takes its buttons and background jobs with it,
loading it again brings both back, and no other extension is needed for either."""

from __future__ import annotations

from pathlib import Path

from tests.clock import FakeClock
from tests.exts.checkin_steps import agree_and_log, button_id, rows, run_scheduler
from tests.exts.harness import running_kneadbot
from tests.fakediscord import FakeDiscord, InteractionReply

CALVES_FIRM = {"area": "calves", "intensity": "firm"}


async def click(fake: FakeDiscord, message: dict, label: str) -> InteractionReply:
    return await fake.final_reply(await fake.click(message, button_id(message, label)))


async def test_unloaded_check_ins_answer_no_click_and_send_nothing_until_loaded_again(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    clock, db_path, alice = FakeClock(), tmp_path / "kb.sqlite3", fake_discord.user.id
    async with running_kneadbot(fake_discord, db_path, clock=clock) as bot:
        await agree_and_log(fake_discord, {**CALVES_FIRM, "checkin_in": "1h"})
        await agree_and_log(fake_discord, {**CALVES_FIRM, "checkin_in": "3h"})
        await run_scheduler(bot, clock, hours=1)
        [first] = fake_discord.dm_messages(alice)

        await bot.unload_extension("bot.exts.checkins")
        while_unloaded = await click(fake_discord, first, "Mild")
        clock.advance(hours=2)  # the second check-in falls due while no extension delivers check-ins
        states_while_unloaded = await rows(db_path, "SELECT state FROM checkins ORDER BY id")
        sent_while_unloaded = len(fake_discord.dm_messages(alice))

        await bot.load_extension("bot.exts.checkins")
        await run_scheduler(bot, clock)
        after_reload = await click(fake_discord, first, "Mild")

    assert while_unloaded.ephemeral
    assert while_unloaded.content.startswith("This menu has expired.")
    assert (states_while_unloaded, sent_while_unloaded) == ([("sent",), ("pending",)], 1)
    assert len(fake_discord.dm_messages(alice)) == 2
    assert after_reload.embeds and not (after_reload.content or "").startswith("This menu has expired.")
    assert await rows(db_path, "SELECT soreness FROM answers") == [(1,)]
