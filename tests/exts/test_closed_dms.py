"""Closed DMs are remembered: after one refused DM, later check-ins go straight to the server channel.

Every refused DM is a 403, and enough of them earn the bot a Cloudflare ban, so the second check-in of
a member whose DMs are closed must not knock on their DMs again; a week later it tries once more.
"""

from __future__ import annotations

from pathlib import Path

from tests.clock import FakeClock
from tests.exts.checkin_steps import agree_and_log, rows, run_scheduler
from tests.exts.harness import running_kneadbot
from tests.fakediscord import FakeDiscord

CALVES_FIRM = {"area": "calves", "intensity": "firm"}
OPEN_DM = r"^/users/@me/channels$"


def dm_attempts(fake: FakeDiscord) -> list[int]:
    """Statuses of every message sent to a DM channel (a refused one is 403)."""
    dm_channels = {f"/channels/{channel_id}/messages" for channel_id in fake.store.dm_channels.values()}
    return [r.status for r in fake.requests_to("POST", r"^/channels/\d+/messages$") if r.path in dm_channels]


def checkins_in_server(fake: FakeDiscord) -> list[dict[str, object]]:
    return [m for m in fake.messages() if m["embeds"]]


async def test_the_second_checkin_of_a_member_with_closed_dms_makes_no_dm_attempt(
    fake_discord: FakeDiscord, database_location: Path | str
) -> None:
    clock, alice = FakeClock(), fake_discord.user.id
    fake_discord.close_dms(alice)
    async with running_kneadbot(fake_discord, database_location, clock=clock) as bot:
        await agree_and_log(fake_discord, {**CALVES_FIRM, "checkin_in": "1h"})
        await agree_and_log(fake_discord, {"area": "feet", "intensity": "light", "checkin_in": "2h"})
        await run_scheduler(bot, clock, hours=1)
        assert dm_attempts(fake_discord) == [403]  # the first one learns that DMs are closed
        requests_before = len(fake_discord.requests)

        await run_scheduler(bot, clock, hours=1)
        second = [r for r in fake_discord.requests[requests_before:] if not r.path.startswith("/interactions/")]

    assert dm_attempts(fake_discord) == [403]
    server_post = ("POST", f"/channels/{fake_discord.channel_id}/messages", 200)
    assert [(r.method, r.path, r.status) for r in second if r.method == "POST"] == [server_post]  # no DM attempt
    assert all(r.status == 200 for r in second)  # nothing refused
    assert [m["content"] for m in checkins_in_server(fake_discord)] == [f"<@{alice}>", f"<@{alice}>"]
    assert len(fake_discord.requests_to("POST", OPEN_DM)) == 1
    assert await rows(database_location, "SELECT state FROM checkins ORDER BY id") == [("sent",), ("sent",)]
    [(closed_at,)] = await rows(database_location, "SELECT dms_closed_at FROM members")
    assert closed_at is not None


async def test_a_week_later_the_dm_is_tried_again_and_reaches_a_member_who_opened_them(
    fake_discord: FakeDiscord, database_location: Path | str
) -> None:
    clock, alice = FakeClock(), fake_discord.user.id
    fake_discord.close_dms(alice)
    async with running_kneadbot(fake_discord, database_location, clock=clock) as bot:
        await agree_and_log(fake_discord, {**CALVES_FIRM, "checkin_in": "1h"})
        await agree_and_log(fake_discord, {"area": "feet", "intensity": "light", "checkin_in": "6d"})
        await agree_and_log(fake_discord, {"area": "thighs", "intensity": "light", "checkin_in": "8d"})
        await run_scheduler(bot, clock, hours=1)
        fake_discord.open_dms(alice)
        await run_scheduler(bot, clock, days=6)  # still remembered: the server channel, no DM attempt
        assert dm_attempts(fake_discord) == [403]
        await run_scheduler(bot, clock, days=2)  # over a week since the refusal: the DM is tried, and works

    assert dm_attempts(fake_discord) == [403, 200]
    assert len(checkins_in_server(fake_discord)) == 2
    assert len(fake_discord.dm_messages(alice)) == 1


async def test_a_member_whose_dms_are_open_is_never_marked_closed(
    fake_discord: FakeDiscord, database_location: Path | str
) -> None:
    clock = FakeClock()
    async with running_kneadbot(fake_discord, database_location, clock=clock) as bot:
        await agree_and_log(fake_discord, {**CALVES_FIRM, "checkin_in": "1h"})
        await run_scheduler(bot, clock, hours=1)
    assert dm_attempts(fake_discord) == [200]
    assert await rows(database_location, "SELECT dms_closed_at FROM members") == [(None,)]


async def test_a_first_time_members_check_ins_due_together_open_their_dm_channel_once(
    fake_discord: FakeDiscord, database_location: Path | str
) -> None:
    """Sent side by side, each would open the DM channel itself: one request each, from the shared budget."""
    clock = FakeClock()
    async with running_kneadbot(fake_discord, database_location, clock=clock) as bot:
        for area in ("calves", "feet", "thighs"):
            await agree_and_log(fake_discord, {"area": area, "intensity": "light", "checkin_in": "1h"})
        await run_scheduler(bot, clock, hours=1)
    assert len(fake_discord.requests_to("POST", OPEN_DM)) == 1
    assert dm_attempts(fake_discord) == [200, 200, 200]
    assert await rows(database_location, "SELECT state FROM checkins") == [("sent",)] * 3
