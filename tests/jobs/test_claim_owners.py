"""Several processes on one PostgreSQL: a live process's claims are never taken; a dead one's are, within
seconds, and each of its check-ins still reaches Discord exactly once.

Each "process" is a Database of its own with its own owner lock (bot/storage/cluster.py), its own
CheckinService and job runner, as separate bots would have. A process "dies" the way kill -9 ends one:
its sends stop mid-flight, nothing is settled or handed back, and its owner lock's session ends.
`Discord` is the one thing the processes share besides the database: it stores one message per nonce
(Discord's dedupe), which is what the runner's resend path relies on.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import timedelta

import asyncpg
import pytest

from bot.checkins.delivery import CheckinJob
from bot.checkins.models import DueCheckin
from bot.checkins.service import CheckinService
from bot.daily.service import DailyTipService
from bot.guilds.audit import AuditTrail
from bot.jobs.outcomes import Outcome, Sent
from bot.jobs.runner import JobRunner
from bot.metrics import Metrics
from bot.storage import cluster
from bot.storage.cluster import OWNER_LOCK_CLASS, ClaimsPaused, ProcessOwner, hold_owner
from bot.storage.db import Database, open_database
from tests.clock import FakeClock, utc
from tests.daily.support import make_tips
from tests.sql import fetch_all

pytestmark = pytest.mark.postgres

MEMBERS = (3001, 3002, 3003)
PER_MEMBER = 4
DM_CHANNEL = 77
WAIT_SECONDS = 30.0
POLL = timedelta(milliseconds=200)
"""The runners' recovery poll here (the bot's is RECOVERY_POLL, 3 s): a shorter wait, the same path."""


@dataclass
class Discord:
    """Discord as the processes see it: messages stored by nonce, so a resend finds the first one."""

    messages: dict[str, int] = field(default_factory=dict)
    by_checkin: Counter[int] = field(default_factory=Counter)

    def post(self, due: DueCheckin) -> int:
        if due.nonce not in self.messages:
            self.messages[due.nonce] = 900_000 + due.checkin_id
            self.by_checkin[due.checkin_id] += 1
        return self.messages[due.nonce]


class Sender:
    """One process's side of Discord. `dying`: every send hangs (the first `reach` after being stored),
    so the process holds its claims when it is killed."""

    def __init__(self, discord: Discord, *, dying: bool = False, reach: int = 0) -> None:
        self.discord, self.dying, self.reach = discord, dying, reach
        self.sent: list[int] = []
        self.started = 0

    async def send(self, due: DueCheckin) -> Outcome:
        self.started += 1
        if self.dying:
            if self.reach > 0:
                self.reach -= 1
                self.discord.post(due)  # Discord stored it; the answer never arrives
            await asyncio.Event().wait()
        self.sent.append(due.checkin_id)
        return Sent(channel_id=DM_CHANNEL, message_id=self.discord.post(due))

    async def resend(self, due: DueCheckin) -> Outcome:
        return await self.send(due)  # the nonce makes Discord answer with a message it already has


@dataclass
class Process:
    db: Database
    owner: ProcessOwner
    sender: Sender
    runner: JobRunner[DueCheckin]
    naps: int = 0

    async def kill(self) -> None:
        """kill -9: in-flight sends end where they are, nothing is settled, the owner lock's session ends."""
        await self.runner.stop(grace=timedelta(0))
        await self.owner.release()

    async def close(self) -> None:
        await self.runner.stop(grace=timedelta(0))
        await self.owner.release()
        await self.db.close()


async def start_process(location: str, clock: FakeClock, sender: Sender, *, concurrency: int = 4) -> Process:
    db = await open_database(location)
    owner = await hold_owner(db)
    job = CheckinJob(CheckinService(db, clock=clock).delivery, Metrics(process_metrics=False))
    process: Process

    def asleep(_name: str, _until: object) -> None:
        process.naps += 1

    runner = JobRunner(
        job,
        sender,
        clock=clock,
        concurrency=concurrency,
        max_sleep=timedelta(days=30),
        recovery_poll=POLL,
        on_asleep=asleep,
    )
    process = Process(db, owner, sender, runner)
    return process


async def eventually(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(WAIT_SECONDS):
        while not condition():
            await asyncio.sleep(0.01)


async def seed(db: Database, clock: FakeClock) -> list[int]:
    service = CheckinService(db, clock=clock)
    ids = []
    for member in MEMBERS:
        await service.give_consent(member)
        for minutes in range(PER_MEMBER):
            logged = await service.log_session(member, "calves", "light", check_in_after=f"{60 + minutes}m")
            ids.append(logged.checkin.id)
    clock.advance(hours=2)
    return sorted(ids)


async def claims(db: Database) -> dict[int, tuple[str, int | None]]:
    rows = await fetch_all(db, "SELECT id, state, claimed_by FROM checkins")
    return {int(i): (str(state), claimed_by) for i, state, claimed_by in rows}


@pytest.fixture
async def db(postgres_location: str) -> AsyncIterator[Database]:
    """The test's own view of the database (no owner lock): it seeds and reads, never claims."""
    database = await open_database(postgres_location)
    yield database
    await database.close()


async def test_claimed_rows_record_their_owner(postgres_location: str, db: Database, clock: FakeClock) -> None:
    ids = await seed(db, clock)
    first, second = [await start_process(postgres_location, clock, Sender(Discord())) for _ in range(2)]
    try:
        delivery = CheckinService(first.db, clock=clock).delivery
        taken_first = await delivery.claim_due(clock(), limit=5)
        taken_second = await CheckinService(second.db, clock=clock).delivery.claim_due(clock(), limit=100)
    finally:
        await first.close()
        await second.close()

    assert first.owner.owner_id != second.owner.owner_id
    stored = await claims(db)
    assert {stored[due.checkin_id] for due in taken_first} == {("sending", first.owner.owner_id)}
    assert {stored[due.checkin_id] for due in taken_second} == {("sending", second.owner.owner_id)}
    assert sorted(due.checkin_id for due in taken_first + taken_second) == ids


async def test_a_live_processs_claims_are_never_taken_and_a_dead_ones_are_delivered_once(
    postgres_location: str, db: Database, clock: FakeClock
) -> None:
    ids = await seed(db, clock)
    discord = Discord()
    doomed = await start_process(postgres_location, clock, Sender(discord, dying=True, reach=2))
    survivor = await start_process(postgres_location, clock, Sender(discord))
    try:
        doomed.runner.start()
        await eventually(lambda: doomed.sender.started == 4)  # 4 in flight (2 reached Discord), 8 waiting
        assert set((await claims(db)).values()) == {("sending", doomed.owner.owner_id)}

        survivor.runner.start()
        await eventually(lambda: survivor.naps >= 3)  # three looks at the claims of a live process
        assert survivor.sender.started == 0
        assert set((await claims(db)).values()) == {("sending", doomed.owner.owner_id)}

        await doomed.kill()
        await eventually(lambda: len(survivor.sender.sent) == len(ids))
    finally:
        await doomed.close()
        await survivor.close()

    assert sorted(survivor.sender.sent) == ids
    assert discord.by_checkin == Counter(dict.fromkeys(ids, 1))
    rows = await fetch_all(db, "SELECT id, state, claimed_by, message_id FROM checkins")
    assert {(i, state, by, message) for i, state, by, message in rows} == {(i, "sent", None, 900_000 + i) for i in ids}


async def test_two_survivors_split_a_dead_processs_rows_and_deliver_each_once(
    postgres_location: str, db: Database, clock: FakeClock
) -> None:
    ids = await seed(db, clock)
    discord = Discord()
    doomed = await start_process(postgres_location, clock, Sender(discord, dying=True, reach=3), concurrency=12)
    survivors = [await start_process(postgres_location, clock, Sender(discord)) for _ in range(2)]
    try:
        doomed.runner.start()
        await eventually(lambda: doomed.sender.started == len(ids))
        for survivor in survivors:
            survivor.runner.start()
        await eventually(lambda: all(survivor.naps >= 1 for survivor in survivors))
        await doomed.kill()
        await eventually(lambda: sum(len(s.sender.sent) for s in survivors) >= len(ids))
        await asyncio.sleep(3 * POLL.total_seconds())  # room for a second, wrong delivery to show up
    finally:
        await doomed.close()
        for survivor in survivors:
            await survivor.close()

    assert sorted(checkin_id for s in survivors for checkin_id in s.sender.sent) == ids
    assert discord.by_checkin == Counter(dict.fromkeys(ids, 1))
    assert set((await claims(db)).values()) == {("sent", None)}


@pytest.fixture
def quick_watchdog(monkeypatch: pytest.MonkeyPatch) -> None:
    """Heartbeats every 0.1 s; a lost lock is tried again once at once, then not for an hour (the test
    decides when the lock is free)."""
    monkeypatch.setattr(cluster, "HEARTBEAT_SECONDS", 0.1)
    monkeypatch.setattr(cluster, "RETRY_SECONDS", 3600.0)


def lock_backend(owner: ProcessOwner) -> int:
    assert owner.lock is not None and owner.lock.backend_pid is not None
    return owner.lock.backend_pid


@pytest.mark.usefixtures("quick_watchdog")
async def test_a_process_that_loses_its_lock_stops_claiming_and_cannot_settle_rows_taken_over(
    postgres_location: str, db: Database, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    await seed(db, clock)
    cut = await start_process(postgres_location, clock, Sender(Discord()))
    other = await start_process(postgres_location, clock, Sender(Discord()))
    cut_delivery = CheckinService(cut.db, clock=clock).delivery
    other_delivery = CheckinService(other.db, clock=clock).delivery
    admin = await asyncpg.connect(postgres_location)
    try:
        [held] = await cut_delivery.claim_due(clock(), limit=1)
        # The database drops the lock's connection; until it notices, the old session still "holds" the
        # lock (as after a network cut): played by the admin session taking it as soon as it is free.
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", lock_backend(cut.owner))
        await admin.execute("SELECT pg_advisory_lock($1, $2)", OWNER_LOCK_CLASS, cut.owner.owner_id)
        await eventually(lambda: not cut.owner.may_claim)
        # Its one try to take the lock again must have failed before the lock comes free; on a slow
        # machine that try can still be connecting, and would win the lock back once it is let go.
        lock = f"owner lock {cut.owner.owner_id}"
        await eventually(
            lambda: (
                f"{lock} is still held by its old session" in caplog.text.lower()
                or f"could not take {lock}" in caplog.text.lower()
            )
        )

        with pytest.raises(ClaimsPaused):
            await cut_delivery.claim_due(clock(), limit=1)
        assert await other_delivery.take_over_orphans() == []  # still looks alive: never taken
        await admin.execute("SELECT pg_advisory_unlock($1, $2)", OWNER_LOCK_CLASS, cut.owner.owner_id)
        [taken] = await other_delivery.take_over_orphans()  # the session is gone: to the others, it died
        assert taken.checkin_id == held.checkin_id
        assert not await cut_delivery.mark_sent(held.checkin_id, channel_id=DM_CHANNEL, message_id=1)
        assert await other_delivery.mark_sent(held.checkin_id, channel_id=DM_CHANNEL, message_id=2)
    finally:
        await admin.close()
        await cut.close()
        await other.close()

    [[message_id]] = await fetch_all(db, "SELECT message_id FROM checkins WHERE id = ?", held.checkin_id)
    assert message_id == 2


@pytest.mark.usefixtures("quick_watchdog")
async def test_a_dropped_lock_connection_is_replaced_with_the_same_owner_id_and_claims_resume(
    postgres_location: str, db: Database, clock: FakeClock
) -> None:
    await seed(db, clock)
    process = await start_process(postgres_location, clock, Sender(Discord()))
    delivery = CheckinService(process.db, clock=clock).delivery
    admin = await asyncpg.connect(postgres_location)
    try:
        first_session = lock_backend(process.owner)
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", first_session)
        async with asyncio.timeout(WAIT_SECONDS):
            while not process.owner.may_claim or lock_backend(process.owner) == first_session:
                await asyncio.sleep(0.05)
        [due] = await delivery.claim_due(clock(), limit=1)
        holders = await admin.fetch(
            "SELECT objid FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objsubid = 2 AND granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",  # not other tests'
            OWNER_LOCK_CLASS,
        )
    finally:
        await admin.close()
        await process.close()

    assert [int(holder["objid"]) for holder in holders] == [process.owner.owner_id]
    assert (await claims(db))[due.checkin_id] == ("sending", process.owner.owner_id)


async def test_a_daily_tip_in_flight_is_taken_over_only_once_its_process_is_gone(
    postgres_location: str, db: Database, clock: FakeClock
) -> None:
    tips = make_tips(3, prefix="built-in")
    processes = [await start_process(postgres_location, clock, Sender(Discord())) for _ in range(2)]
    posting, other = [
        DailyTipService(p.db, builtin_tips=lambda: tips, audit=AuditTrail(p.db, clock=clock), clock=clock)
        for p in processes
    ]
    try:
        clock.set(utc(2026, 1, 10, 8, 0))
        await posting.set(4242, 1, channel_id=55, post_time="09:00", timezone="UTC")
        clock.set(utc(2026, 1, 10, 9, 0))
        claim = await posting.claim(4242, clock())
        assert claim is not None
        assert await other.unconfirm_in_flight() == []  # its process is alive: the post may be on its way
        assert await other.claimed_elsewhere()

        await processes[0].kill()
        [taken] = await other.unconfirm_in_flight()
    finally:
        for process in processes:
            await process.close()

    assert (taken.guild_id, taken.local_date, taken.nonce) == (4242, claim.local_date, claim.nonce)
    [[state, claimed_by]] = await fetch_all(db, "SELECT state, claimed_by FROM daily_tip_posts")
    assert (state, claimed_by) == ("unconfirmed", processes[1].owner.owner_id)
