"""Check-in delivery on the job runner: one task, wakes for sooner work, retries, settles every path once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.checkins.delivery import CheckinJob
from bot.checkins.models import DueCheckin
from bot.checkins.service import CheckinService
from bot.jobs.outcomes import Failed, Outcome, RetryLater, Sent, Undeliverable
from bot.jobs.runner import JobRunner
from bot.metrics import Metrics
from bot.storage.db import Database, open_database
from tests.checkins.support import MEMBER, FakeClock, row
from tests.sql import fetch_all


class DiscordSide:
    """Stands in for the courier: records what it was given and answers with an outcome, or fails."""

    def __init__(self, *, failures: int = 0, hang: bool = False, answer: Outcome | None = None) -> None:
        self.failures, self.hang, self.answer = failures, hang, answer
        self.sent: list[DueCheckin] = []
        self.resent: list[DueCheckin] = []
        self.started = asyncio.Event()
        self.may_finish = asyncio.Event()
        self.may_finish.set()

    async def send(self, due: DueCheckin) -> Outcome:
        self.started.set()
        await self.may_finish.wait()
        if self.hang:
            await asyncio.Event().wait()
        if self.failures:
            self.failures -= 1
            raise RuntimeError("Discord answered 503")
        self.sent.append(due)
        return self.answer or Sent(channel_id=9, message_id=due.checkin_id)

    async def resend(self, due: DueCheckin) -> Outcome:
        self.resent.append(due)
        return await self.send(due)

    @property
    def sent_ids(self) -> list[int]:
        return [due.checkin_id for due in self.sent]


class Naps:
    """What the runner announces each time it goes to sleep (the bot turns these into `job_asleep`)."""

    def __init__(self) -> None:
        self.until: list[datetime] = []

    def __call__(self, _name: str, until: datetime) -> None:
        self.until.append(until)

    @property
    def last(self) -> datetime | None:
        return self.until[-1] if self.until else None


async def eventually(condition: Callable[[], bool], timeout_seconds: float = 30.0) -> None:
    """Let the runner's task run until `condition` holds (it changes state only between awaits)."""
    async with asyncio.timeout(timeout_seconds):
        while not condition():
            await asyncio.sleep(0.001)


def make_runner(
    service: CheckinService,
    discord: DiscordSide,
    clock: FakeClock,
    *,
    naps: Naps | None = None,
    metrics: Metrics | None = None,
    **options: object,
) -> JobRunner[DueCheckin]:
    job = CheckinJob(service.delivery, metrics or Metrics(process_metrics=False))
    runner = JobRunner(job, discord, clock=clock, max_sleep=timedelta(days=30), on_asleep=naps, **options)  # type: ignore[arg-type]
    service.delivery.schedule_changes.add(runner.wake)
    return runner


async def test_one_task_whatever_the_number_of_checkins(service: CheckinService, member: int, clock: FakeClock) -> None:
    for hours in range(1, 21):
        await service.log_session(member, "feet", "light", check_in_after=f"{hours}h")
    naps = Naps()
    runner = make_runner(service, DiscordSide(), clock, naps=naps)
    before = asyncio.all_tasks()

    runner.start()
    runner.start()
    await eventually(lambda: naps.last is not None)

    assert len(asyncio.all_tasks() - before) == 1
    await runner.stop()
    assert not runner.is_running
    assert asyncio.all_tasks() == before


async def test_wakes_for_a_sooner_checkin(service: CheckinService, member: int, clock: FakeClock) -> None:
    discord, naps = DiscordSide(), Naps()
    runner = make_runner(service, discord, clock, naps=naps)
    later = await service.log_session(member, "calves", "firm", check_in_after="24h")
    runner.start()
    try:
        await eventually(lambda: naps.last == later.checkin.deliver_at)
        sooner = await service.log_session(member, "feet", "light", check_in_after="1h")
        await eventually(lambda: naps.last == sooner.checkin.deliver_at)

        clock.advance(hours=1)
        runner.wake()
        await eventually(lambda: discord.sent_ids == [sooner.checkin.id])
        await eventually(lambda: naps.last == later.checkin.deliver_at)
    finally:
        await runner.stop()


async def test_each_checkin_is_delivered_once_across_a_restart(database_location: Path | str, clock: FakeClock) -> None:
    path = database_location
    db = await open_database(path)
    service = CheckinService(db, clock=clock)
    await service.give_consent(MEMBER)
    ids = [(await service.log_session(MEMBER, "feet", "light", check_in_after=f"{h}h")).checkin.id for h in (1, 2, 3)]
    first_run = DiscordSide()
    runner = make_runner(service, first_run, clock)
    runner.start()
    clock.advance(hours=1)
    runner.wake()
    await eventually(lambda: first_run.sent_ids == ids[:1])
    await runner.stop()
    await db.close()

    clock.advance(hours=5)  # down while the other two fell due
    db = await open_database(path)
    service = CheckinService(db, clock=clock)
    second_run, naps = DiscordSide(), Naps()
    runner = make_runner(service, second_run, clock, naps=naps)
    runner.start()
    try:
        await eventually(lambda: second_run.sent_ids == ids[1:])
        clock.advance(days=20)
        runner.wake()
        await eventually(lambda: naps.last == clock.now + timedelta(days=30))
        states = [state for [state] in await fetch_all(db, "SELECT state FROM checkins ORDER BY id")]
    finally:
        await runner.stop()
        await db.close()

    assert second_run.sent_ids == ids[1:]
    assert second_run.resent == []
    assert [due.late_by for due in second_run.sent] == [timedelta(hours=4), timedelta(hours=3)]
    assert states == ["sent", "sent", "sent"]


async def test_a_row_left_sending_by_a_crash_is_resent_at_start(
    service: CheckinService, member: int, clock: FakeClock
) -> None:
    logged = await service.log_session(member, "feet", "light", check_in_after="1h")
    clock.advance(hours=1)
    await service.delivery.claim_due(clock.now)  # the previous process claimed it, then died
    clock.advance(seconds=1)
    discord = DiscordSide()
    runner = make_runner(service, discord, clock)

    assert await runner.reconcile() == 1

    assert [due.checkin_id for due in discord.resent] == [logged.checkin.id]
    assert await service.delivery.stale_sending(timedelta(0)) == []


async def test_a_failing_delivery_is_retried_not_lost(
    service: CheckinService, member: int, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    logged = await service.log_session(member, "feet", "light", check_in_after="1h")
    discord = DiscordSide(failures=2)
    runner = make_runner(service, discord, clock)
    clock.advance(hours=1)

    assert await runner.run_due() == 1
    assert await service.delivery.next_due_at() == clock.now + timedelta(minutes=1)
    clock.advance(minutes=1)
    await runner.run_due()
    assert await runner.run_due() == 0
    clock.advance(minutes=2)
    await runner.run_due()

    assert [(due.checkin_id, due.attempt, due.nonce) for due in discord.sent] == [
        (logged.checkin.id, 3, f"kb{logged.checkin.id}s0")
    ]
    assert "Discord answered 503" in caplog.text


async def test_a_hanging_delivery_times_out_and_is_retried(
    service: CheckinService, member: int, clock: FakeClock
) -> None:
    await service.log_session(member, "feet", "light", check_in_after="1h")
    runner = make_runner(service, DiscordSide(hang=True), clock, send_timeout=timedelta(milliseconds=5))
    clock.advance(hours=1)

    await runner.run_due()

    assert await service.delivery.next_due_at() == clock.now + timedelta(minutes=1)
    clock.advance(seconds=1)
    assert await service.delivery.stale_sending(timedelta(0)) == []


async def test_delivers_in_batches_until_nothing_is_due(service: CheckinService, member: int, clock: FakeClock) -> None:
    for _ in range(7):
        await service.log_session(member, "feet", "light", check_in_after="1h")
    discord = DiscordSide()
    runner = make_runner(service, discord, clock, batch_size=3)
    clock.advance(hours=1)

    assert await runner.run_due() == 7
    assert len(set(discord.sent_ids)) == 7


def counted(metrics: Metrics, name: str) -> float:
    return metrics.registry.get_sample_value(f"kneadbot_checkins_{name}_total") or 0.0


@pytest.mark.parametrize(
    ("discord", "state", "counter"),
    [
        (DiscordSide(answer=Undeliverable("DMs closed")), "undeliverable", "undeliverable"),
        (DiscordSide(answer=Failed("the channel is gone")), "failed", "failed"),
        (DiscordSide(answer=RetryLater("DiscordServerError")), "failed", "failed"),
        (DiscordSide(failures=99), "failed", "failed"),
        (DiscordSide(hang=True), "failed", "failed"),
        (DiscordSide(), "sent", "sent"),
    ],
    ids=["undeliverable", "failed", "retry-later", "exception", "timeout", "sent"],
)
async def test_every_path_settles_the_row_and_counts_it_once(
    service: CheckinService,
    member: int,
    clock: FakeClock,
    db: Database,
    discord: DiscordSide,
    state: str,
    counter: str,
) -> None:
    """The metric of a give-up is counted whichever way the sender failed (once it was counted on one path)."""
    await service.log_session(member, "feet", "light", check_in_after="1h")
    metrics = Metrics(process_metrics=False)
    runner = make_runner(service, discord, clock, metrics=metrics, send_timeout=timedelta(milliseconds=5))
    clock.advance(hours=1)

    for _ in range(runner.policy.max_attempts):
        await runner.run_due()
        clock.advance(hours=2)

    assert (await row(db, "SELECT state FROM checkins"))[0] == state
    counts = {name: counted(metrics, name) for name in ("sent", "failed", "undeliverable")}
    assert counts == {name: (1.0 if name == counter else 0.0) for name in counts}


async def test_stop_finishes_the_send_in_progress_and_hands_back_the_rest(
    service: CheckinService, member: int, clock: FakeClock
) -> None:
    for _ in range(3):
        await service.log_session(member, "feet", "light", check_in_after="1h")
    discord = DiscordSide()
    discord.may_finish.clear()
    runner = make_runner(service, discord, clock, concurrency=1)  # tests/jobs covers several in flight
    clock.advance(hours=1)
    runner.start()
    await discord.started.wait()

    stopping = asyncio.create_task(runner.stop())
    await asyncio.sleep(0)
    discord.may_finish.set()
    await stopping
    clock.advance(seconds=1)

    assert len(discord.sent) == 1
    assert await service.delivery.stale_sending(timedelta(0)) == []
    again = await service.delivery.claim_due(clock.now)
    assert [due.attempt for due in again] == [1, 1]


async def test_stop_cuts_off_a_hanging_send_after_the_grace_period(
    service: CheckinService, member: int, clock: FakeClock
) -> None:
    logged = await service.log_session(member, "feet", "light", check_in_after="1h")
    discord = DiscordSide(hang=True)
    runner = make_runner(service, discord, clock)
    clock.advance(hours=1)
    runner.start()
    await discord.started.wait()

    await runner.stop(grace=timedelta(milliseconds=5))
    clock.advance(seconds=1)

    assert not runner.is_running
    assert [due.checkin_id for due in await service.delivery.stale_sending(timedelta(0))] == [logged.checkin.id]


@pytest.mark.parametrize(("landed_in", "cached"), [(555, 555), (80, None)], ids=["dm", "server-channel"])
async def test_the_dm_channel_a_check_in_landed_in_is_remembered_but_never_the_server_channel(
    service: CheckinService, member: int, clock: FakeClock, db: Database, landed_in: int, cached: int | None
) -> None:
    """The courier writes nothing: the runner's settle caches the DM channel, so the next check-in costs one request."""
    await service.log_session(member, "feet", "light", check_in_after="1h", guild_id=70, channel_id=80)

    class Courier(DiscordSide):
        async def send(self, due: DueCheckin) -> Outcome:
            return Sent(channel_id=landed_in, message_id=1)

    clock.advance(hours=1)
    await make_runner(service, Courier(), clock).run_due()

    assert tuple(await row(db, "SELECT state FROM checkins")) == ("sent",)
    assert tuple(await row(db, "SELECT dm_channel_id FROM members")) == (cached,)
