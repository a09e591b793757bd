"""The scheduler hands each due day to the Discord side once, retries with the same nonce, and sleeps."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.daily.models import DailyClaim, DailyPost, PostState, ScheduleState
from bot.daily.scheduler import DailyTipScheduler
from bot.daily.service import DailyTipService
from tests.clock import FakeClock
from tests.daily.support import last_post_of, schedule_of
from tests.guilds.support import MOD_A, MOD_B, SERVER_A, SERVER_B

NO_PAUSE = (timedelta(0), timedelta(0))


class FakeDiscord:
    """The Discord side: records each send; fails the first `failures` sends, or reports a lost channel."""

    def __init__(self, daily: DailyTipService, *, failures: int = 0, channel_gone: bool = False) -> None:
        self.daily, self.failures, self.channel_gone = daily, failures, channel_gone
        self.sent: list[DailyClaim] = []
        self.posted = asyncio.Event()

    async def post(self, claim: DailyClaim) -> None:
        self.sent.append(claim)
        if self.channel_gone:
            await self.daily.disable(claim.guild_id, "The daily tip channel was deleted.")
            return
        if len(self.sent) <= self.failures:
            raise ConnectionError("Discord did not answer")
        await self.daily.mark_posted(claim.guild_id, claim.local_date, message_id=1000 + len(self.sent))
        self.posted.set()


def scheduler_for(discord: FakeDiscord, clock: FakeClock) -> DailyTipScheduler:
    return DailyTipScheduler(discord.daily, discord.post, clock=clock, retry_delays=NO_PAUSE)


async def set_both_due(daily: DailyTipService, clock: FakeClock) -> None:
    clock.set(datetime(2026, 1, 10, 8, 0, tzinfo=UTC))
    await daily.set(SERVER_A, MOD_A, channel_id=1, post_time="09:00")
    await daily.set(SERVER_B, MOD_B, channel_id=2, post_time="09:00")
    clock.set(datetime(2026, 1, 10, 9, 0, tzinfo=UTC))


async def test_each_due_server_is_posted_once(daily: DailyTipService, clock: FakeClock) -> None:
    discord = FakeDiscord(daily)
    scheduler = scheduler_for(discord, clock)
    await set_both_due(daily, clock)

    assert await scheduler.run_due() == 2
    assert await scheduler.run_due() == 0
    assert sorted(claim.guild_id for claim in discord.sent) == [SERVER_A, SERVER_B]
    for guild_id in (SERVER_A, SERVER_B):
        assert (await last_post_of(daily, guild_id)).state is PostState.POSTED


async def test_a_failed_send_is_retried_with_the_same_nonce(daily: DailyTipService, clock: FakeClock) -> None:
    discord = FakeDiscord(daily, failures=2)
    scheduler = scheduler_for(discord, clock)
    await set_both_due(daily, clock)
    await daily.stop(SERVER_B, MOD_B)

    await scheduler.run_due()

    assert len(discord.sent) == 3
    assert len({claim.nonce for claim in discord.sent}) == 1
    assert (await last_post_of(daily, SERVER_A)).state is PostState.POSTED


async def test_after_the_last_try_the_day_is_marked_failed_not_posted_later(
    daily: DailyTipService, clock: FakeClock
) -> None:
    discord = FakeDiscord(daily, failures=99)
    scheduler = scheduler_for(discord, clock)
    await set_both_due(daily, clock)
    await daily.stop(SERVER_B, MOD_B)

    await scheduler.run_due()
    clock.advance(hours=1)
    await scheduler.run_due()

    assert len(discord.sent) == 3
    last_post = await last_post_of(daily, SERVER_A)
    assert (last_post.state, last_post.problem) == (PostState.FAILED, "Posting failed: ConnectionError")
    assert (await schedule_of(daily, SERVER_A)).state is ScheduleState.ACTIVE


async def test_a_hanging_send_times_out_and_counts_as_a_failure(daily: DailyTipService, clock: FakeClock) -> None:
    async def hang(claim: DailyClaim) -> None:
        await asyncio.Event().wait()

    scheduler = DailyTipScheduler(daily, hang, clock=clock, retry_delays=(), post_timeout=timedelta(milliseconds=10))
    await set_both_due(daily, clock)
    await daily.stop(SERVER_B, MOD_B)

    await scheduler.run_due()
    last_post = await last_post_of(daily, SERVER_A)
    assert (last_post.state, last_post.problem) == (PostState.FAILED, "Posting failed: TimeoutError")


async def test_a_lost_channel_turns_the_schedule_off(daily: DailyTipService, clock: FakeClock) -> None:
    discord = FakeDiscord(daily, channel_gone=True)
    await set_both_due(daily, clock)

    await scheduler_for(discord, clock).run_due()

    schedule = await schedule_of(daily, SERVER_A)
    assert (schedule.state, schedule.disabled_reason) == (
        ScheduleState.DISABLED,
        "The daily tip channel was deleted.",
    )
    assert await daily.next_run_at() is None


async def test_without_recover_a_claim_cut_off_by_a_restart_is_only_settled_as_unconfirmed(
    daily: DailyTipService, clock: FakeClock
) -> None:
    """The scheduler itself never resends; finding or reposting the tip is the Discord side's `recover`
    (tested through Discord in tests/exts/test_daily_tip.py)."""
    await set_both_due(daily, clock)
    await daily.stop(SERVER_B, MOD_B)
    cut_off = await daily.claim(SERVER_A, clock())  # claimed by the previous process, which then died
    assert cut_off is not None

    clock.advance(minutes=30)
    discord = FakeDiscord(daily)
    await scheduler_for(discord, clock).run_due()

    assert discord.sent == []
    assert (await last_post_of(daily, SERVER_A)).state is PostState.UNCONFIRMED


async def test_a_claim_cut_off_by_a_restart_is_handed_to_recover_once(daily: DailyTipService, clock: FakeClock) -> None:
    await set_both_due(daily, clock)
    await daily.stop(SERVER_B, MOD_B)
    cut_off = await daily.claim(SERVER_A, clock())  # claimed by the previous process, which then died
    assert cut_off is not None
    recovered: list[DailyPost] = []

    async def recover(stale: DailyPost) -> None:
        recovered.append(stale)

    discord = FakeDiscord(daily)
    scheduler = DailyTipScheduler(daily, discord.post, clock=clock, retry_delays=NO_PAUSE, recover=recover)
    clock.advance(minutes=30)
    await scheduler.run_due()
    await scheduler.run_due()

    assert [(post.guild_id, post.local_date, post.nonce) for post in recovered] == [
        (SERVER_A, cut_off.local_date, cut_off.nonce)
    ]
    assert discord.sent == []


async def test_one_servers_broken_claim_does_not_stop_the_others(
    daily: DailyTipService, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    discord = FakeDiscord(daily)
    scheduler = DailyTipScheduler(daily, discord.post, clock=clock, max_sleep=timedelta(days=2))
    await set_both_due(daily, clock)
    real_claim = daily.claim

    async def claim_breaking_a(guild_id: int, now: datetime) -> DailyClaim | None:
        if guild_id == SERVER_A:
            raise ValueError("a row this code cannot read")
        return await real_claim(guild_id, now)

    monkeypatch.setattr(daily, "claim", claim_breaking_a)
    scheduler.start()
    try:
        await asyncio.wait_for(discord.posted.wait(), timeout=30)
        await _until(lambda: scheduler.sleeping_until is not None)
        assert [claim.guild_id for claim in discord.sent] == [SERVER_B]
        assert scheduler.sleeping_until == clock() + timedelta(seconds=30)  # A is still due: no busy loop
    finally:
        await scheduler.stop()


async def test_the_task_sleeps_until_the_next_run_and_wakes_on_set(daily: DailyTipService, clock: FakeClock) -> None:
    discord = FakeDiscord(daily)
    scheduler = DailyTipScheduler(daily, discord.post, clock=clock, max_sleep=timedelta(days=2))
    clock.set(datetime(2026, 1, 10, 8, 0, tzinfo=UTC))
    scheduler.start()
    scheduler.start()  # starting twice keeps one task
    try:
        await daily.set(SERVER_A, MOD_A, channel_id=1, post_time="09:00")  # wakes the task
        await _until(lambda: scheduler.sleeping_until == datetime(2026, 1, 10, 9, 0, tzinfo=UTC))

        clock.set(datetime(2026, 1, 10, 9, 0, tzinfo=UTC))
        scheduler.wake()
        await asyncio.wait_for(discord.posted.wait(), timeout=30)
        await _until(lambda: scheduler.sleeping_until == datetime(2026, 1, 11, 9, 0, tzinfo=UTC))
        assert [claim.guild_id for claim in discord.sent] == [SERVER_A]
    finally:
        await scheduler.stop()
    assert not scheduler.is_running


async def test_an_error_in_a_run_does_not_kill_the_task(daily: DailyTipService, clock: FakeClock) -> None:
    discord = FakeDiscord(daily)
    scheduler = scheduler_for(discord, clock)
    calls = 0

    async def broken_due_guilds(now: datetime) -> list[int]:
        nonlocal calls
        calls += 1
        raise RuntimeError("database is locked")

    daily.due_guilds = broken_due_guilds  # type: ignore[method-assign]
    scheduler.start()
    try:
        await _until(lambda: calls == 1)
        assert scheduler.is_running
        scheduler.wake()
        await _until(lambda: calls == 2)
    finally:
        await scheduler.stop()


async def _until(condition: Callable[[], bool], timeout_seconds: float = 30) -> None:
    """Let the scheduler's task run until `condition` holds; polling is fine for a test."""
    async with asyncio.timeout(timeout_seconds):
        while not condition():
            await asyncio.sleep(0.001)


@pytest.fixture(autouse=True)
def _quiet_expected_errors(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("CRITICAL", logger="bot.daily")
