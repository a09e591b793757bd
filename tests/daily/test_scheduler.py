"""The daily tip on the job runner: each due day once, durable retries with the same nonce, then failed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.daily.jobs import DAILY_BACKOFF, DailyTipJob
from bot.daily.models import DailyClaim, PostState, ScheduleState
from bot.daily.service import DailyTipService
from bot.jobs.outcomes import Outcome, Sent, Undeliverable
from bot.jobs.runner import JobRunner
from bot.metrics import Metrics
from tests.clock import FakeClock
from tests.daily.support import last_post_of, schedule_of
from tests.guilds.support import MOD_A, MOD_B, SERVER_A, SERVER_B


class FakeDiscord:
    """The Discord side: records each send; fails the first `failures` sends, or reports a lost channel."""

    def __init__(self, *, failures: int = 0, channel_gone: bool = False) -> None:
        self.failures, self.channel_gone = failures, channel_gone
        self.sent: list[DailyClaim] = []
        self.resent: list[DailyClaim] = []
        self.posted = asyncio.Event()

    async def send(self, claim: DailyClaim) -> Outcome:
        self.sent.append(claim)
        if self.channel_gone:
            return Undeliverable("The daily tip channel was deleted.")
        if len(self.sent) <= self.failures:
            raise ConnectionError("Discord did not answer")
        self.posted.set()
        return Sent(claim.channel_id, 1000 + len(self.sent))

    async def resend(self, claim: DailyClaim) -> Outcome:
        self.resent.append(claim)
        return Sent(claim.channel_id, 2000)


def runner_for(
    daily: DailyTipService, discord: FakeDiscord, clock: FakeClock, **options: object
) -> JobRunner[DailyClaim]:
    job = DailyTipJob(daily, Metrics(process_metrics=False))
    runner = JobRunner(job, discord, clock=clock, policy=DAILY_BACKOFF, **options)  # type: ignore[arg-type]
    daily.schedule_changes.add(runner.wake)
    return runner


async def set_both_due(daily: DailyTipService, clock: FakeClock) -> None:
    clock.set(datetime(2026, 1, 10, 8, 0, tzinfo=UTC))
    await daily.set(SERVER_A, MOD_A, channel_id=1, post_time="09:00")
    await daily.set(SERVER_B, MOD_B, channel_id=2, post_time="09:00")
    clock.set(datetime(2026, 1, 10, 9, 0, tzinfo=UTC))


async def test_each_due_server_is_posted_once(daily: DailyTipService, clock: FakeClock) -> None:
    discord = FakeDiscord()
    runner = runner_for(daily, discord, clock)
    await set_both_due(daily, clock)

    assert await runner.run_due() == 2
    assert await runner.run_due() == 0
    assert sorted(claim.guild_id for claim in discord.sent) == [SERVER_A, SERVER_B]
    for guild_id in (SERVER_A, SERVER_B):
        assert (await last_post_of(daily, guild_id)).state is PostState.POSTED


async def test_a_failed_send_is_retried_from_the_database_with_the_same_nonce(
    daily: DailyTipService, clock: FakeClock
) -> None:
    discord = FakeDiscord(failures=2)
    await set_both_due(daily, clock)
    await daily.stop(SERVER_B, MOD_B)

    await runner_for(daily, discord, clock).run_due()
    assert await daily.next_due_at() == clock() + timedelta(seconds=30)
    clock.advance(seconds=30)
    await runner_for(daily, discord, clock).run_due()  # a restart between tries: the backoff is in the database
    clock.advance(minutes=1)
    await runner_for(daily, discord, clock).run_due()

    assert [claim.attempt for claim in discord.sent] == [1, 2, 3]
    assert len({claim.nonce for claim in discord.sent}) == 1
    assert (await last_post_of(daily, SERVER_A)).state is PostState.POSTED


async def test_after_the_last_try_the_day_is_marked_failed_not_posted_later(
    daily: DailyTipService, clock: FakeClock
) -> None:
    discord = FakeDiscord(failures=99)
    runner = runner_for(daily, discord, clock)
    await set_both_due(daily, clock)
    await daily.stop(SERVER_B, MOD_B)

    for _ in range(DAILY_BACKOFF.max_attempts + 2):
        await runner.run_due()
        clock.advance(minutes=30)

    assert len(discord.sent) == DAILY_BACKOFF.max_attempts
    last_post = await last_post_of(daily, SERVER_A)
    assert last_post.state is PostState.FAILED
    assert last_post.problem == "Posting failed: gave up after 6 delivery attempts (ConnectionError)"
    assert (await schedule_of(daily, SERVER_A)).state is ScheduleState.ACTIVE


async def test_a_hanging_send_times_out_and_is_tried_again(daily: DailyTipService, clock: FakeClock) -> None:
    class Hanging(FakeDiscord):
        async def send(self, claim: DailyClaim) -> Outcome:
            await asyncio.Event().wait()
            raise AssertionError

    runner = runner_for(daily, Hanging(), clock, send_timeout=timedelta(milliseconds=10))
    await set_both_due(daily, clock)
    await daily.stop(SERVER_B, MOD_B)

    await runner.run_due()
    last_post = await last_post_of(daily, SERVER_A)
    assert (last_post.state, last_post.problem) == (PostState.CLAIMED, "Posting failed: TimeoutError")
    assert await daily.next_due_at() == clock() + timedelta(seconds=30)


async def test_a_lost_channel_turns_the_schedule_off(daily: DailyTipService, clock: FakeClock) -> None:
    await set_both_due(daily, clock)

    await runner_for(daily, FakeDiscord(channel_gone=True), clock).run_due()

    schedule = await schedule_of(daily, SERVER_A)
    assert (schedule.state, schedule.disabled_reason) == (
        ScheduleState.DISABLED,
        "The daily tip channel was deleted.",
    )
    assert await daily.next_due_at() is None


async def test_a_claim_cut_off_by_a_restart_is_resent_once(daily: DailyTipService, clock: FakeClock) -> None:
    await set_both_due(daily, clock)
    await daily.stop(SERVER_B, MOD_B)
    cut_off = await daily.claim(SERVER_A, clock())  # claimed by the previous process, which then died
    assert cut_off is not None

    discord = FakeDiscord()
    runner = runner_for(daily, discord, clock)
    clock.advance(minutes=30)
    assert await runner.reconcile() == 1
    assert await runner.reconcile() == 0

    assert [(claim.guild_id, claim.local_date, claim.nonce) for claim in discord.resent] == [
        (SERVER_A, cut_off.local_date, cut_off.nonce)
    ]
    assert discord.sent == []
    assert (await last_post_of(daily, SERVER_A)).state is PostState.POSTED


async def test_one_servers_broken_claim_does_not_stop_the_others(
    daily: DailyTipService, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    discord = FakeDiscord()
    naps: list[datetime] = []
    runner = runner_for(
        daily, discord, clock, max_sleep=timedelta(days=2), on_asleep=lambda _n, until: naps.append(until)
    )
    await set_both_due(daily, clock)
    real_claim = daily.claim

    async def claim_breaking_a(guild_id: int, now: datetime) -> DailyClaim | None:
        if guild_id == SERVER_A:
            raise ValueError("a row this code cannot read")
        return await real_claim(guild_id, now)

    monkeypatch.setattr(daily, "claim", claim_breaking_a)
    runner.start()
    try:
        await asyncio.wait_for(discord.posted.wait(), timeout=30)
        await _until(lambda: bool(naps))
        assert [claim.guild_id for claim in discord.sent] == [SERVER_B]
        assert naps[0] == clock() + timedelta(seconds=30)  # A is still due: no busy loop
    finally:
        await runner.stop()


async def test_the_task_sleeps_until_the_next_run_and_wakes_on_set(daily: DailyTipService, clock: FakeClock) -> None:
    discord = FakeDiscord()
    naps: list[datetime] = []
    runner = runner_for(
        daily, discord, clock, max_sleep=timedelta(days=2), on_asleep=lambda _n, until: naps.append(until)
    )
    clock.set(datetime(2026, 1, 10, 8, 0, tzinfo=UTC))
    runner.start()
    runner.start()  # starting twice keeps one task
    try:
        await daily.set(SERVER_A, MOD_A, channel_id=1, post_time="09:00")  # wakes the task
        await _until(lambda: naps[-1:] == [datetime(2026, 1, 10, 9, 0, tzinfo=UTC)])

        clock.set(datetime(2026, 1, 10, 9, 0, tzinfo=UTC))
        runner.wake()
        await asyncio.wait_for(discord.posted.wait(), timeout=30)
        await _until(lambda: naps[-1:] == [datetime(2026, 1, 11, 9, 0, tzinfo=UTC)])
        assert [claim.guild_id for claim in discord.sent] == [SERVER_A]
    finally:
        await runner.stop()
    assert not runner.is_running


async def test_an_error_in_a_run_does_not_kill_the_task(daily: DailyTipService, clock: FakeClock) -> None:
    runner = runner_for(daily, FakeDiscord(), clock)
    calls = 0

    async def broken_due_guilds(now: datetime) -> list[int]:
        nonlocal calls
        calls += 1
        raise RuntimeError("database is locked")

    daily.due_guilds = broken_due_guilds  # type: ignore[method-assign]
    runner.start()
    try:
        await _until(lambda: calls == 1)
        assert runner.is_running
        runner.wake()
        await _until(lambda: calls == 2)
    finally:
        await runner.stop()


async def _until(condition: Callable[[], bool], timeout_seconds: float = 30) -> None:
    """Let the runner's task run until `condition` holds; polling is fine for a test."""
    async with asyncio.timeout(timeout_seconds):
        while not condition():
            await asyncio.sleep(0.001)


@pytest.fixture(autouse=True)
def _quiet_expected_errors(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("CRITICAL", logger="bot.daily")
    caplog.set_level("CRITICAL", logger="bot.jobs")
