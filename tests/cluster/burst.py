"""A burst of due check-ins drained by three real bot processes on one PostgreSQL (issue 12, "Proof").

Shared by test_shared_budget.py (a budget per process) and test_shared_budget_proxy.py (one proxy in
front of all three): two files, so pytest-xdist (`--dist loadfile`) runs the two scenarios side by side.

The processes are real `python -m bot` runs (`tests.fakediscord.launch_bot`, forked from a warm
`Zygote` as in the crash tests) against one loopback fake that enforces Discord's 50 requests/s
(`GlobalRateLimit`: counts arrivals per whole second and answers a global 429 over 50). Each process
logs in with a token of its own, only so that the test can tell from the Authorization header which
process sent a message: the fake, the proxy and the budget treat all requests as one token's.

The check-ins fall due a few seconds after the processes are started, so that every process is up
and asleep when the burst falls due and all three wake for it together (the runner sleeps until the
earliest due row; a row added later would only wake the process that added it).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.checkins.service import CheckinService
from bot.storage import members as members_sql
from bot.storage.db import Database, open_database
from bot.storage.transactions import transaction
from tests.clock import FakeClock
from tests.exts.checkin_steps import rows
from tests.fakediscord.global_limit import GlobalRateLimit
from tests.fakediscord.interceptors import InterceptingFakeDiscord
from tests.fakediscord.process import BotProcess, Zygote, bot_environment
from tests.hardening.checks import delivered_messages
from tests.sql import execute_many

PROCESSES = 3
MEMBERS = 60
CHECKINS_EACH = 5  # 300 check-ins
FIRST_TIMERS = 12
"""Members with no DM channel yet (a fifth, as in bench/checkins_drain.py): each of their check-ins
opens it too, since a burst claims all five before the first lands. 360 requests in all."""
FIRST_MEMBER = 1_600_000_000_000_000_001
DM_CHANNEL_OFFSET = 1_000_000
DISCORD_LIMIT = 50
LEAD = timedelta(seconds=6)
"""How long after the processes are started the burst falls due: time for all three to come up and
fall asleep first (about 1 s each when the machine is idle, 5-7 s on a machine at load 12). One that came
up later still delivers correctly, but first resends what the others have in flight (the start-up
reconcile takes every "sending" row; Discord's nonce answers each resend with the stored message)."""
PHASE_TIMEOUT_S = 90.0


@dataclass
class Burst:
    """What one run left behind: the fake (with every request), its limit and the processes."""

    fake: InterceptingFakeDiscord
    limit: GlobalRateLimit
    owner_of: dict[int, int]
    runs: list[BotProcess] = field(default_factory=list)


def token_of(process: int) -> str:
    return f"cluster-proof-process-{process}"


async def seed_burst(location: str, fake: InterceptingFakeDiscord) -> dict[int, int]:
    """MEMBERS consented members with CHECKINS_EACH check-ins each, due in an hour; all but FIRST_TIMERS
    have a DM channel, known to the bot and to the fake. Returns check-in id -> member id."""
    clock = FakeClock(datetime.now(UTC))
    db = await open_database(location)
    try:
        service = CheckinService(db, clock=clock)
        for n, member in enumerate(range(FIRST_MEMBER, FIRST_MEMBER + MEMBERS)):
            await service.give_consent(member)
            if n >= FIRST_TIMERS:
                await remember_dm_channel(db, fake, member, member + DM_CHANNEL_OFFSET)
            for _ in range(CHECKINS_EACH):
                await service.log_session(member, "calves", "firm", check_in_after=timedelta(hours=1))
    finally:
        await db.close()
    return {int(i): int(u) for i, u in await rows(location, "SELECT id, user_id FROM checkins")}


async def remember_dm_channel(db: Database, fake: InterceptingFakeDiscord, member: int, channel: int) -> None:
    """As if an earlier check-in had opened the member's DM channel."""
    fake.store.dm_channels[member], fake.store.dm_recipients[channel] = channel, member
    async with transaction(db):
        await members_sql.set_dm_channel(db, member, channel)


async def drain_with_three_processes(
    location: str, tmp_path: Path, fake: InterceptingFakeDiscord, limit: GlobalRateLimit, **settings: str
) -> Burst:
    """Seed the burst, start PROCESSES bot processes with `settings`, wait until every check-in is sent."""
    burst = Burst(fake, limit, await seed_burst(location, fake))
    zygote = await Zygote.start(tmp_path / "zygote.log")
    try:
        await fall_due_at(location, datetime.now(UTC) + LEAD)
        for process in range(PROCESSES):
            env = bot_environment(fake.port, token=token_of(process), db_path=location, **settings)
            burst.runs.append(await zygote.spawn(env, tmp_path / f"process-{process}.log"))
        await wait_all_sent(location, len(burst.owner_of))
        await fake.settle()
    finally:
        await asyncio.gather(*(run.stop() for run in burst.runs))
        await zygote.close()
    return burst


async def fall_due_at(location: str, moment: datetime) -> None:
    """Every check-in due at `moment`, set once seeding is over, so that however long seeding took the
    processes started next get all of LEAD to come up."""
    db = await open_database(location, apply_migrations=False)
    try:
        await execute_many(db, "UPDATE checkins SET due_at = ?, deliver_at = ?", [(moment, moment)])
    finally:
        await db.close()


async def wait_all_sent(location: str, total: int) -> None:
    async with asyncio.timeout(PHASE_TIMEOUT_S):
        while (await rows(location, "SELECT count(*) FROM checkins WHERE state = 'sent'"))[0][0] < total:
            await asyncio.sleep(0.2)


async def assert_shared_budget_held(burst: Burst, location: str) -> None:
    """At most 50 requests in any second and no 429; every check-in stored once, in its member's DMs,
    and settled as sent; all three processes took part; none of them logged an error."""
    fake, limit = burst.fake, burst.limit
    assert limit.rejected == 0, f"{limit.rejected} requests drew a global 429"
    assert [r for r in fake.requests if r.status == 429] == []
    assert limit.busiest_second <= DISCORD_LIMIT, sorted(limit.arrivals.items())

    received = delivered_messages(fake)
    per_checkin = Counter(checkin_id for checkin_id, _channel, _message in received)
    assert set(per_checkin) == set(burst.owner_of), "some check-in never reached its member"
    assert max(per_checkin.values()) == 1, {i: n for i, n in per_checkin.items() if n > 1}
    for checkin_id, channel_id, _message_id in received:
        assert fake.store.dm_recipients[channel_id] == burst.owner_of[checkin_id]
    assert await rows(location, "SELECT state, count(*) FROM checkins GROUP BY state") == [
        ("sent", len(burst.owner_of))
    ]

    senders = Counter(r.headers.get("Authorization") for r in fake.requests if r.method == "POST" and r.status == 200)
    assert {f"Bot {token_of(p)}" for p in range(PROCESSES)} <= set(senders), senders
    for run in burst.runs:
        assert " ERROR " not in run.output and "Traceback" not in run.output, run.output
    assert not fake.violation_report(), fake.violation_report()
