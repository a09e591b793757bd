"""Start-up and doctor checks that need Discord: the real `python -m bot` against the loopback fake."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.fakediscord.process import BotProcess, bot_environment
from tests.fakediscord.server import FakeDiscord

GOOD, BAD = "good.token.value", "revoked.token.value"
WAIT = 60.0  # generous: a cold interpreter on a busy 2-core machine


async def run_to_exit(fake: FakeDiscord, tmp_path: Path, name: str, token: str, *args: str) -> tuple[int, str]:
    env = bot_environment(fake.port, token=token, db_path=tmp_path / "kb.sqlite3")
    run = await BotProcess.launch(env, tmp_path / f"{name}.log", args)
    return await run.wait(WAIT), run.output


async def wait_for_line(run: BotProcess, text: str) -> str:
    async with asyncio.timeout(WAIT):
        while text not in run.output:
            if run.returncode is not None:
                break
            await asyncio.sleep(0.1)
    return run.output


async def test_doctor_checks_the_token_with_discord(tmp_path: Path) -> None:
    fake = FakeDiscord(token=GOOD)
    await fake.start()
    try:
        good_code, good = await run_to_exit(fake, tmp_path, "good", GOOD, "doctor")
        bad_code, bad = await run_to_exit(fake, tmp_path, "bad", BAD, "doctor")
        asked = [r.headers.get("Authorization") for r in fake.requests_to("GET", "/users/@me")]
    finally:
        await fake.close()
    assert good_code == 0, good
    assert "[ok  ] DISCORD_TOKEN is set and Discord accepts it" in good
    assert bad_code == 1, bad
    assert "[FAIL] Discord refused DISCORD_TOKEN (401)" in bad
    assert asked == [f"Bot {GOOD}", f"Bot {BAD}"]
    assert GOOD not in good + bad and BAD not in good + bad


async def test_start_up_says_to_sync_when_discord_has_other_commands_and_gives_the_invite(tmp_path: Path) -> None:
    fake = FakeDiscord()
    await fake.start()
    try:
        env = bot_environment(fake.port, token=GOOD, db_path=tmp_path / "kb.sqlite3")
        first = await BotProcess.launch(env, tmp_path / "first.log")
        before_sync = await wait_for_line(first, "python -m bot sync")
        await first.stop()
        sync_code, synced = await run_to_exit(fake, tmp_path, "sync", GOOD, "sync")
        second = await BotProcess.launch(env, tmp_path / "second.log")
        after_sync = await wait_for_line(second, "The slash commands on Discord match this version")
        await second.stop()
    finally:
        await fake.close()
    assert "members will not see the current ones until you run: python -m bot sync" in before_sync
    assert "/faq" in before_sync
    invite = f"https://discord.com/oauth2/authorize?client_id={fake.bot.id}&scope=bot+applications.commands"
    assert invite + "&permissions=117760" in before_sync
    assert sync_code == 0, synced
    assert "Invite the bot" in after_sync
    assert "python -m bot sync" not in after_sync
    assert "Traceback" not in before_sync + after_sync
