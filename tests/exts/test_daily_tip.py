"""The daily tip through the real client, with a hand-moved clock: DST, midnight, downtime, restarts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.daily.models import DailyClaim, daily_nonce
from bot.exts.daily_tip import DailyTipPoster, daily_embed
from bot.jobs.outcomes import Failed, Sent
from tests.clock import FakeClock
from tests.exts.checkin_steps import rows, run_daily_tips
from tests.exts.harness import real_library, running_kneadbot
from tests.exts.moderation_world import GENERAL, MANAGER, TIPS, A
from tests.fakediscord import FakeDiscord, Overwrite
from tests.fakediscord import perms as p


async def set_daily(fake: FakeDiscord, time: str, timezone: str) -> str:
    state = await fake.slash(
        "daily-tip set", {"channel": TIPS, "time": time, "timezone": timezone}, user=MANAGER, channel_id=GENERAL.id
    )
    return (await fake.final_reply(state)).content or ""


async def show(fake: FakeDiscord) -> str:
    state = await fake.slash("daily-tip show", {}, user=MANAGER, channel_id=GENERAL.id)
    return (await fake.final_reply(state)).content or ""


def posted_tips(fake: FakeDiscord) -> list[str]:
    return [m["embeds"][0]["description"] for m in fake.messages(TIPS.id)]


async def test_posts_at_local_time_across_a_dst_change(world: FakeDiscord, database_location: Path | str) -> None:
    clock = FakeClock(datetime(2026, 3, 28, 8, 0, tzinfo=UTC))  # London is on GMT (UTC+0) until the 29th
    async with running_kneadbot(world, database_location, clock=clock) as bot:
        assert (await set_daily(world, "09:00", "Europe/London")).startswith("Daily tip set.")
        await run_daily_tips(bot, clock, minutes=59)
        assert posted_tips(world) == []
        await run_daily_tips(bot, clock, minutes=1)  # 09:00 GMT
        assert len(posted_tips(world)) == 1
        await run_daily_tips(bot, clock, hours=22, minutes=59)  # 29 Mar 07:59 UTC = 08:59 BST
        assert len(posted_tips(world)) == 1
        await run_daily_tips(bot, clock, minutes=1)  # 09:00 BST = 08:00 UTC
        await run_daily_tips(bot, clock, hours=3)
    tips = posted_tips(world)
    assert len(tips) == 2
    assert tips[0] != tips[1]
    assert all(t in {tip.text for tip in real_library().tips} for t in tips)
    assert world.messages(TIPS.id)[0]["embeds"][0]["title"].startswith("Tip of the day · ")


async def test_across_midnight_the_new_local_day_gets_its_tip(
    world: FakeDiscord, database_location: Path | str
) -> None:
    clock = FakeClock(datetime(2026, 6, 1, 22, 0, tzinfo=UTC))  # 00:00 in Berlin (UTC+2) is 22:00 UTC
    db_path = database_location
    async with running_kneadbot(world, db_path, clock=clock) as bot:
        await set_daily(world, "00:10", "Europe/Berlin")
        await run_daily_tips(bot, clock, minutes=10)
    assert len(posted_tips(world)) == 1
    assert await rows(db_path, "SELECT local_date, state FROM daily_tip_posts") == [("2026-06-02", "posted")]


async def test_downtime_posts_the_missed_day_once_if_still_that_day_else_skips(
    world: FakeDiscord, database_location: Path | str
) -> None:
    clock, db_path = FakeClock(datetime(2026, 6, 1, 8, 0, tzinfo=UTC)), database_location
    async with running_kneadbot(world, db_path, clock=clock):
        await set_daily(world, "09:00", "UTC")
    clock.advance(hours=5)  # down past 09:00, back at 13:00 the same day
    async with running_kneadbot(world, db_path, clock=clock) as bot:
        await run_daily_tips(bot, clock)
        await run_daily_tips(bot, clock, minutes=30)
    assert len(posted_tips(world)) == 1
    clock.advance(days=1, hours=12)  # down through all of 2 June, back at 01:00 on the 3rd
    async with running_kneadbot(world, db_path, clock=clock) as bot:
        await run_daily_tips(bot, clock)
    assert len(posted_tips(world)) == 1  # 2 June is over: skipped, not posted late


@pytest.mark.parametrize("reached_discord", [False, True])
async def test_a_crash_between_claimed_and_posted_never_posts_that_day_twice(
    world: FakeDiscord, database_location: Path | str, reached_discord: bool
) -> None:
    clock, db_path = FakeClock(datetime(2026, 6, 1, 8, 0, tzinfo=UTC)), database_location
    async with running_kneadbot(world, db_path, clock=clock) as bot:
        await set_daily(world, "09:00", "UTC")
        cog: Any = bot.get_cog("DailyTip")
        await cog.runner.stop()  # from here on, only the "crashed process" below acts for this bot
        clock.advance(hours=1)
        claim = await cog.daily_tips.claim(A, clock())
        assert claim is not None
        if reached_discord:  # Discord took the message; the process died before recording it
            channel = bot.get_channel(TIPS.id)
            assert isinstance(channel, discord.TextChannel)
            await channel.send(embed=daily_embed(claim.tip, claim.local_date), nonce=claim.nonce)
    clock.advance(minutes=20)
    async with running_kneadbot(world, db_path, clock=clock) as bot:
        await run_daily_tips(bot, clock)
        first_day = posted_tips(world)
        await run_daily_tips(bot, clock, days=1)
    assert len(first_day) == 1  # found in the channel, or posted once now that the day is not over
    assert len(posted_tips(world)) == 2
    assert await rows(db_path, "SELECT local_date, state FROM daily_tip_posts ORDER BY local_date") == [
        ("2026-06-01", "posted"),
        ("2026-06-02", "posted"),
    ]


async def test_a_crash_mid_post_is_not_made_up_for_once_the_day_is_over(
    world: FakeDiscord, database_location: Path | str
) -> None:
    clock, db_path = FakeClock(datetime(2026, 6, 1, 22, 0, tzinfo=UTC)), database_location
    async with running_kneadbot(world, db_path, clock=clock) as bot:
        await set_daily(world, "23:30", "UTC")
        cog: Any = bot.get_cog("DailyTip")
        await cog.runner.stop()
        clock.advance(hours=1, minutes=30)
        assert await cog.daily_tips.claim(A, clock()) is not None
    clock.advance(hours=1)  # back at 00:30 on 2 June
    async with running_kneadbot(world, db_path, clock=clock) as bot:
        await run_daily_tips(bot, clock)
    assert posted_tips(world) == []
    assert await rows(db_path, "SELECT local_date, state FROM daily_tip_posts") == [("2026-06-01", "unconfirmed")]


async def test_lost_permission_turns_the_schedule_off_and_says_why(
    world: FakeDiscord, database_location: Path | str
) -> None:
    clock, db_path = FakeClock(datetime(2026, 6, 1, 8, 0, tzinfo=UTC)), database_location
    async with running_kneadbot(world, db_path, clock=clock):
        await set_daily(world, "09:00", "UTC")
    deny_the_bot(world, p.SEND_MESSAGES)
    clock.advance(hours=1)
    async with running_kneadbot(world, db_path, clock=clock) as bot:
        await run_daily_tips(bot, clock)
        status = await show(world)
    assert posted_tips(world) == []
    assert status.startswith("**Off** since")
    assert "missing the Send Messages" in status


async def test_a_channel_that_loses_read_message_history_keeps_its_daily_tip(
    world: FakeDiscord, database_location: Path | str
) -> None:
    """A first try needs no look back (the nonce covers it): the schedule is not turned off."""
    clock, db_path = FakeClock(datetime(2026, 6, 1, 8, 0, tzinfo=UTC)), database_location
    async with running_kneadbot(world, db_path, clock=clock):
        await set_daily(world, "09:00", "UTC")
    deny_the_bot(world, p.READ_MESSAGE_HISTORY)
    clock.advance(hours=1)
    async with running_kneadbot(world, db_path, clock=clock) as bot:
        await run_daily_tips(bot, clock)
        status = await show(world)
    assert len(posted_tips(world)) == 1
    assert status.startswith("**On**")


async def test_a_retry_where_the_bot_cannot_read_back_fails_that_day_and_never_posts_twice(
    world: FakeDiscord, database_location: Path | str
) -> None:
    """Discord took the tip, the process died before recording it; the channel has since lost Read Message
    History, so the search would see nothing: that day stays unconfirmed (never posted again), the schedule
    stays on."""
    clock, db_path = FakeClock(datetime(2026, 6, 1, 8, 0, tzinfo=UTC)), database_location
    async with running_kneadbot(world, db_path, clock=clock) as bot:
        await set_daily(world, "09:00", "UTC")
        cog: Any = bot.get_cog("DailyTip")
        await cog.runner.stop()
        clock.advance(hours=1)
        claim = await cog.daily_tips.claim(A, clock())
        assert claim is not None
        channel = bot.get_channel(TIPS.id)
        assert isinstance(channel, discord.TextChannel)
        await channel.send(embed=daily_embed(claim.tip, claim.local_date), nonce=claim.nonce)
    deny_the_bot(world, p.READ_MESSAGE_HISTORY)
    clock.advance(minutes=20)
    async with running_kneadbot(world, db_path, clock=clock) as bot:
        await run_daily_tips(bot, clock)
        status = await show(world)
    assert len(posted_tips(world)) == 1
    assert await rows(db_path, "SELECT local_date, state FROM daily_tip_posts") == [("2026-06-01", "unconfirmed")]
    assert status.startswith("**On**"), status
    assert "(unconfirmed: Posting failed: I can't read that channel's history (Read Message History)" in status


@pytest.mark.parametrize(
    ("since_first_claim", "posted"), [(timedelta(seconds=30), True), (timedelta(minutes=5), False)]
)
async def test_without_read_message_history_a_retry_posts_only_inside_the_nonce_window(
    world: FakeDiscord, tmp_path: Path, since_first_claim: timedelta, posted: bool
) -> None:
    """A retry after a first try that failed (a timeout, a 5xx) cannot look back here: inside the nonce window
    of the first claim Discord would drop a repeat, so it posts; past it, it gives that day up."""
    clock = FakeClock(datetime(2026, 6, 1, 9, 0, 30, tzinfo=UTC))
    deny_the_bot(world, p.READ_MESSAGE_HISTORY)
    async with running_kneadbot(world, tmp_path / "kb.sqlite3", clock=clock) as bot:
        claim = DailyClaim(
            guild_id=A,
            channel_id=TIPS.id,
            local_date=date(2026, 6, 1),
            tip=real_library().tips[0],
            nonce=daily_nonce(A, date(2026, 6, 1)),
            scheduled_at=datetime(2026, 6, 1, 9, 0, tzinfo=UTC),
            claimed_at=clock() - since_first_claim,
            attempt=2,
        )
        outcome = await DailyTipPoster(bot, clock=clock).send(claim)
    assert len(posted_tips(world)) == (1 if posted else 0)
    assert isinstance(outcome, Sent if posted else Failed), outcome


def deny_the_bot(world: FakeDiscord, permission: int) -> None:
    """A moderator takes `permission` from the bot in the tips channel."""
    guild = world.guilds[A]
    tips_channel = guild.channel(TIPS.id)
    assert tips_channel is not None
    tips_channel.permission_overwrites = [Overwrite(guild.bot_role_id, 0, deny=permission)]


async def test_deleted_channel_turns_the_schedule_off(world: FakeDiscord, database_location: Path | str) -> None:
    clock, db_path = FakeClock(datetime(2026, 6, 1, 8, 0, tzinfo=UTC)), database_location
    async with running_kneadbot(world, db_path, clock=clock):
        await set_daily(world, "09:00", "UTC")
    world.guilds[A].channels = [c for c in world.guilds[A].channels if c.id != TIPS.id]
    clock.advance(hours=1)
    async with running_kneadbot(world, db_path, clock=clock) as bot:
        await run_daily_tips(bot, clock)
        status = await show(world)
    assert "The channel was deleted or I can no longer see it." in status
