"""Two real bot processes on one PostgreSQL: one is SIGKILLed while it holds claims, the other delivers
them, each check-in exactly once, while it keeps running (no restart needed).

Process A starts alone and claims all 40 due check-ins; the fake holds its message sends (as a slow
Discord would), so A is mid-send with every row claimed when B starts. B finds nothing to claim and
must leave A's rows alone while A lives. Then A is killed; the sends it had already made are let
through (Discord got them, A never reads the answers), and B, still running, takes A's rows over
(its owner lock is free now) and resends them: Discord's nonce answers with the stored message,
so each member sees one message per check-in.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web

from bot.checkins.service import CheckinService
from bot.storage.db import open_database
from tests.clock import FakeClock
from tests.exts.checkin_steps import rows
from tests.fakediscord.interceptors import InterceptingFakeDiscord
from tests.fakediscord.models import RecordedRequest
from tests.fakediscord.process import BotProcess, Zygote, bot_environment

pytestmark = pytest.mark.postgres

TOKEN = "owner-kill-token-not-a-real-one"
MEMBERS = 2  # 40 check-ins: one claim batch (50), so A holds every one of them
PHASE_TIMEOUT_S = 60.0
FIRST_MEMBER = 1_600_000_000_000_000_001
PER_MEMBER = 20
DM_SEND = re.compile(r"^/channels/(\d+)/messages$")
FOOTER = re.compile(r"^Check-in #(\d+) ")


async def seed_due_checkins(location: str) -> set[int]:
    """MEMBERS consented members with 20 check-ins each, all due an hour ago; their ids."""
    clock = FakeClock(datetime.now(UTC) - timedelta(hours=2))
    db = await open_database(location)
    try:
        service = CheckinService(db, clock=clock)
        for member in range(FIRST_MEMBER, FIRST_MEMBER + MEMBERS):
            await service.give_consent(member)
            for n in range(PER_MEMBER):
                await service.log_session(member, "calves", "firm", check_in_after=timedelta(minutes=1 + n))
    finally:
        await db.close()
    return {int(checkin_id) for [checkin_id] in await rows(location, "SELECT id FROM checkins")}


def messages_per_checkin(fake: InterceptingFakeDiscord) -> Counter[int]:
    """How many messages each check-in has in its member's DMs (the embed footer names it)."""
    found: Counter[int] = Counter()
    for channel_id in fake.store.dm_recipients:
        for message in fake.store.channel_messages.get(channel_id, []):
            [embed] = message["embeds"]
            match = FOOTER.match(embed["footer"]["text"])
            assert match is not None, embed
            found[int(match[1])] += 1
    return found


class HeldSends:
    """Holds every check-in message POST until `release`, so the sender is stuck holding its claims."""

    def __init__(self, fake: InterceptingFakeDiscord) -> None:
        self.fake, self.gate, self.waiting = fake, asyncio.Event(), 0

    async def before(self, record: RecordedRequest) -> web.StreamResponse | None:
        match = DM_SEND.match(record.path)
        if record.method == "POST" and match is not None and int(match[1]) in self.fake.store.dm_recipients:
            self.waiting += 1
            await self.gate.wait()
        return None


async def until(condition: Callable[[], Awaitable[bool]], what: str) -> None:
    try:
        async with asyncio.timeout(PHASE_TIMEOUT_S):
            while not await condition():
                await asyncio.sleep(0.1)
    except TimeoutError:
        pytest.fail(f"waited {PHASE_TIMEOUT_S} s for this in vain: {what}")


async def test_a_process_killed_holding_claims_has_them_delivered_once_by_a_live_one(
    tmp_path: Path, postgres_location: str
) -> None:
    checkin_ids = await seed_due_checkins(postgres_location)
    fake = InterceptingFakeDiscord(token=TOKEN)
    held = HeldSends(fake)
    fake.before_request.append(held.before)
    zygote = await Zygote.start(tmp_path / "zygote.log")
    await fake.start()
    runs: list[BotProcess] = []
    try:
        env = bot_environment(fake.port, token=TOKEN, db_path=postgres_location)
        doomed = await zygote.spawn(env, tmp_path / "doomed.log")
        runs.append(doomed)

        async def doomed_holds_everything() -> bool:
            owners = await rows(postgres_location, "SELECT state, claimed_by FROM checkins")
            return held.waiting > 0 and {state for state, _ in owners} == {"sending"} and len(set(owners)) == 1

        await until(doomed_holds_everything, "the first process claimed every check-in")
        [[doomed_owner]] = await rows(postgres_location, "SELECT DISTINCT claimed_by FROM checkins")

        survivor = await zygote.spawn(env, tmp_path / "survivor.log")
        runs.append(survivor)

        async def survivor_is_up() -> bool:
            return fake.gateway.identifies == 2 and "Holding owner lock" in survivor.output

        await until(survivor_is_up, "the second process connected")
        await asyncio.sleep(1.0)  # its first passes run meanwhile: a live owner's rows must stay its own
        assert await rows(postgres_location, "SELECT DISTINCT state, claimed_by FROM checkins") == [
            ("sending", doomed_owner)
        ]

        doomed.kill_now()
        await doomed.wait(PHASE_TIMEOUT_S)
        held.gate.set()  # the sends it made before dying reach Discord; nobody reads the answers

        async def all_sent() -> bool:
            [[sent]] = await rows(postgres_location, "SELECT count(*) FROM checkins WHERE state = 'sent'")
            return sent == len(checkin_ids)

        await until(all_sent, "the survivor delivered the dead process's check-ins")
        await fake.settle()
    finally:
        for run in runs:
            run.kill_now()
        await zygote.close()
        await fake.close()

    assert messages_per_checkin(fake) == Counter(dict.fromkeys(checkin_ids, 1))
    settled = await rows(postgres_location, "SELECT DISTINCT state, claimed_by FROM checkins")
    assert settled == [("sent", None)]
    assert "Traceback" not in survivor.output and " ERROR " not in survivor.output, survivor.output
