"""Wake-ups across processes on PostgreSQL: two Database objects stand for two bot processes.

Process B's runner sleeps for days unless something wakes it, so a delivery by B within the test's
generous wait can only come from a notification (or the re-poll after a reconnect).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest

from bot.checkins.service import CheckinService
from bot.daily.service import DailyTipService
from bot.guilds.audit import AuditTrail
from bot.jobs.policy import Backoff
from bot.jobs.runner import JobRunner
from bot.storage.db import Database, open_database
from bot.storage.notify import (
    APPLICATION_NAME,
    CHECKINS,
    DAILY_TIPS,
    NotificationListener,
    connect_arguments,
    listener_for,
    notify,
)
from bot.storage.transactions import transaction
from tests.checkins.support import MEMBER, FakeClock
from tests.checkins.test_scheduler import DiscordSide, Naps, eventually, make_runner
from tests.daily.support import make_tips

GUILD, CHANNEL = 1_300_000_000_000_000_001, 1_300_000_000_000_000_101
FAST_RECONNECT = Backoff(first=timedelta(milliseconds=50), longest=timedelta(milliseconds=200))


class Process:
    """One "process": its own Database, check-in service, runner and LISTEN connection."""

    def __init__(self, db: Database, clock: FakeClock) -> None:
        self.db = db
        self.service = CheckinService(db, clock=clock, min_delay=timedelta(0))
        self.discord, self.naps = DiscordSide(), Naps()
        self.runner: JobRunner[object] = make_runner(self.service, self.discord, clock, naps=self.naps)  # type: ignore[assignment]
        self.listener = NotificationListener(connect_arguments(db), reconnect=FAST_RECONNECT)

    async def start(self) -> None:
        """Start the runner, let it fall asleep, then listen; the connect's re-poll shows LISTEN is on."""
        self.runner.start()
        await eventually(lambda: len(self.naps.until) == 1)
        await self.listener.subscribe(CHECKINS, self.runner.wake)
        await eventually(lambda: len(self.naps.until) == 2)

    async def stop(self) -> None:
        await self.listener.stop()
        await self.runner.stop()


@pytest.fixture
async def two_processes(postgres_location: str, clock: FakeClock) -> AsyncIterator[tuple[Process, Process]]:
    first = await open_database(postgres_location)
    second = await open_database(postgres_location)
    a, b = Process(first, clock), Process(second, clock)
    await a.service.give_consent(MEMBER)
    try:
        yield a, b
    finally:
        await b.stop()
        await first.close()
        await second.close()


@pytest.mark.postgres
async def test_a_checkin_added_in_one_process_is_delivered_by_another(two_processes: tuple[Process, Process]) -> None:
    a, b = two_processes
    await b.start()

    logged = await a.service.log_session(MEMBER, "calves", "firm", check_in_after=timedelta(0))

    await eventually(lambda: b.discord.sent_ids == [logged.checkin.id])
    assert a.discord.sent_ids == []  # A runs no runner: only the notification could have woken B


@pytest.mark.postgres
async def test_a_notify_in_a_rolled_back_transaction_wakes_nobody(two_processes: tuple[Process, Process]) -> None:
    a, b = two_processes
    woken: dict[str, int] = {CHECKINS: 0, DAILY_TIPS: 0}

    def counter(channel: str) -> None:
        woken[channel] += 1

    await b.listener.subscribe(CHECKINS, lambda: counter(CHECKINS))
    await b.listener.subscribe(DAILY_TIPS, lambda: counter(DAILY_TIPS))
    await eventually(lambda: woken[DAILY_TIPS] == 1)  # the connect's re-poll: B is listening
    connected = dict(woken)

    async def failing_change() -> None:
        async with transaction(a.db):
            await notify(a.db, CHECKINS)
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        await failing_change()
    async with transaction(a.db):  # a committed notification after it: delivered in commit order
        await notify(a.db, DAILY_TIPS)
    await eventually(lambda: woken[DAILY_TIPS] == connected[DAILY_TIPS] + 1)

    assert woken[CHECKINS] == connected[CHECKINS]
    async with transaction(a.db):
        await notify(a.db, CHECKINS)
    await eventually(lambda: woken[CHECKINS] == connected[CHECKINS] + 1)


@pytest.mark.postgres
async def test_a_dropped_listening_connection_comes_back_and_polls_again(
    two_processes: tuple[Process, Process], postgres_location: str
) -> None:
    a, b = two_processes
    await b.start()
    naps_before = len(b.naps.until)

    admin = await asyncpg.connect(postgres_location.replace("+asyncpg", ""))
    try:
        pids = await admin.fetch(
            "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()",
            APPLICATION_NAME,
        )
        assert len(pids) == 1  # B's listener, the only one on this database
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pids[0]["pid"])
    finally:
        await admin.close()

    await eventually(lambda: len(b.naps.until) == naps_before + 1)  # reconnected, and looked again
    logged = await a.service.log_session(MEMBER, "feet", "light", check_in_after=timedelta(0))
    await eventually(lambda: b.discord.sent_ids == [logged.checkin.id])  # LISTEN is back on


@pytest.mark.postgres
async def test_setting_a_daily_tip_in_one_process_wakes_the_daily_runner_of_another(
    two_processes: tuple[Process, Process], clock: FakeClock
) -> None:
    a, b = two_processes
    woken = {CHECKINS: 0, DAILY_TIPS: 0}
    await b.listener.subscribe(CHECKINS, lambda: woken.__setitem__(CHECKINS, woken[CHECKINS] + 1))
    await b.listener.subscribe(DAILY_TIPS, lambda: woken.__setitem__(DAILY_TIPS, woken[DAILY_TIPS] + 1))
    await eventually(lambda: woken == {CHECKINS: 1, DAILY_TIPS: 1})  # connected, the re-poll woke both
    daily = DailyTipService(a.db, builtin_tips=lambda: make_tips(2), audit=AuditTrail(a.db, clock=clock), clock=clock)

    await daily.set(GUILD, actor_id=MEMBER, channel_id=CHANNEL, post_time="09:30")
    await eventually(lambda: woken[DAILY_TIPS] == 2)
    await daily.stop(GUILD, actor_id=MEMBER)
    await eventually(lambda: woken[DAILY_TIPS] == 3)

    assert woken[CHECKINS] == 1  # the channel says which job: the check-in runner slept on


async def test_sqlite_has_no_listener_and_its_notify_writes_nothing(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "k.sqlite3")
    try:
        assert listener_for(db) is None
        async with transaction(db):
            await notify(db, CHECKINS)  # no pg_notify on SQLite: it would fail there
    finally:
        await db.close()
