"""A crash while a check-in is "sending" must not lose it or send it twice.

The crash is staged exactly: the row is claimed (state "sending") by the real delivery code, and,
where the case needs it, Discord is sent the message as the crashed process would have sent it.
A new bot on the same database file then starts and reconciles.
"""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from bot.checkins.delivery import CheckinDelivery
from bot.checkins.models import DueCheckin
from bot.storage.db import open_database
from bot.ui.checkin_buttons import CheckinButton
from bot.ui.checkins import checkin_embed
from tests.clock import FakeClock
from tests.exts.checkin_steps import agree_and_log, rows, run_scheduler
from tests.exts.harness import real_library, running_kneadbot
from tests.fakediscord import FakeDiscord

NONCE_WINDOW_MINUTES = 5


async def claim_as_crashed_process(db_path: Path, clock: FakeClock) -> DueCheckin:
    db = await open_database(db_path)
    try:
        [due] = await CheckinDelivery(db, clock=clock).claim_due(clock())
    finally:
        await db.close()
    return due


async def send_as_crashed_process(fake: FakeDiscord, due: DueCheckin, clock: FakeClock) -> None:
    """What the crashed process got through to Discord before dying: the DM, with its nonce."""
    headers = {"Authorization": "Bot fake-token"}
    async with aiohttp.ClientSession(headers=headers) as http:
        async with http.post(f"{fake.api_base}/users/@me/channels", json={"recipient_id": str(due.user_id)}) as r:
            channel_id = (await r.json())["id"]
        body = {
            "embeds": [checkin_embed(due, real_library().checkin_texts, clock()).to_dict()],
            "components": CheckinButton.make_view(due.checkin_id).to_components(),
            "nonce": due.nonce,
            "enforce_nonce": True,
        }
        async with http.post(f"{fake.api_base}/channels/{channel_id}/messages", json=body) as r:
            assert r.status == 200


@pytest.mark.parametrize(
    ("reached_discord", "minutes_down"),
    [
        (True, 10),  # past Discord's nonce window: found in the DM history, marked sent, not resent
        (True, 1),  # within the window: resent with the same nonce, and Discord drops the duplicate
        (False, 10),  # never reached Discord: not found in the history, so sent now
    ],
)
async def test_crash_while_sending_delivers_exactly_once(
    fake_discord: FakeDiscord, tmp_path: Path, reached_discord: bool, minutes_down: int
) -> None:
    clock, db_path, alice = FakeClock(), tmp_path / "kb.sqlite3", fake_discord.user.id
    async with running_kneadbot(fake_discord, db_path, clock=clock):
        await agree_and_log(fake_discord, {"area": "thighs", "intensity": "medium", "checkin_in": "1h"})
    clock.advance(hours=1)
    due = await claim_as_crashed_process(db_path, clock)
    if reached_discord:
        await send_as_crashed_process(fake_discord, due, clock)
    clock.advance(minutes=minutes_down)
    if minutes_down > NONCE_WINDOW_MINUTES:
        fake_discord.store.nonces.clear()  # Discord remembers a nonce for minutes only: it has forgotten it
    async with running_kneadbot(fake_discord, db_path, clock=clock) as bot:
        await run_scheduler(bot, clock)
    [message] = fake_discord.dm_messages(alice)
    assert message["embeds"][0]["footer"]["text"].startswith(f"Check-in #{due.checkin_id} ")
    assert await rows(db_path, "SELECT state, message_id FROM checkins") == [("sent", int(message["id"]))]
