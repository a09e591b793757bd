"""500 due check-ins, the real bot process SIGKILLed 20 times mid-delivery: each arrives exactly once.

The bot runs as its own process (``tests.fakediscord.launch_bot``: ``bot.__main__.main()`` with
discord.py pointed at the fake), forked from a warm parent (``tests.fakediscord.zygote``) so twenty
restarts do not pay twenty cold imports; each child is still a separate OS process with its own
environment, database connection and pid. The fake Discord runs here, and the kills happen inside
the fake's request handling, so each lands at an exact moment:

- "before": a check-in message is on its way and Discord never stores it (the row is "sending");
- "after": Discord has stored the message but the bot dies before reading the answer, so the bot
  cannot know it was delivered. This is the moment a careless bot sends twice.

Exactly once is counted the way the member sees it: messages stored in their DM channel, one per
check-in id (the embed footer says "Check-in #<id>"). Raw POSTs are counted too, and may exceed 500:
after a restart within Discord's nonce window the bot resends with the same nonce and Discord answers
with the message it already has instead of creating one. That is correct, and the test checks every
such answer pointed at the one stored message. A second run (200 check-ins, 6 kills) has Discord
forget every nonce at each kill while the bot's clock jumps 3 minutes per restart, past its own
2-minute nonce window, so only its search of the member's DM history can prevent doubles; there,
even raw POSTs must number exactly one per check-in. Both run on SQLite (ending with ``PRAGMA
integrity_check`` ok) and on PostgreSQL.

Delivery order of the seed: 25 members (the most one member may have waiting is 20), check-ins due two
days ago, so every restart has work and the DM channel of each member is created on first delivery.
"""

from __future__ import annotations

import asyncio
import re
import signal
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web

from bot.checkins.service import CheckinService
from bot.storage.db import open_database
from tests.clock import FakeClock
from tests.exts.checkin_steps import rows
from tests.fakediscord import FakeDiscord
from tests.fakediscord.interceptors import InterceptingFakeDiscord
from tests.fakediscord.models import RecordedRequest
from tests.fakediscord.payloads import set_clock_offset
from tests.fakediscord.process import BotProcess, Zygote, bot_environment
from tests.hardening.checks import FOOTER, delivered_messages, mention_problems

PER_MEMBER = 20  # the most check-ins one member may have waiting
FIRST_MEMBER = 1_500_000_000_000_000_001
TOKEN = "crash-test-token-not-a-real-one"
DM_SEND = re.compile(r"^/channels/(\d+)/messages$")
PHASE_TIMEOUT_S = 90.0  # a generous bound for a loaded machine; a phase normally takes a second or two

# (messages stored at Discord when the kill happens, and where in the send it happens)
TWENTY_KILLS = [
    (0, "before"),
    (1, "after"),
    (2, "before"),
    (17, "after"),
    (49, "before"),
    (50, "after"),
    (51, "before"),
    (75, "after"),
    (100, "before"),
    (101, "after"),
    (149, "after"),
    (200, "before"),
    (233, "after"),
    (250, "before"),
    (300, "after"),
    (349, "before"),
    (400, "after"),
    (401, "before"),
    (450, "after"),
    (499, "before"),
]
SIX_KILLS = [(1, "after"), (30, "before"), (60, "after"), (100, "after"), (150, "before"), (199, "after")]


@dataclass
class KillSwitch:
    """Kills the bot process at the planned moment, from inside the fake's request handling."""

    fake: InterceptingFakeDiscord
    target: BotProcess | None = None
    stored_at: int = 0
    moment: str = ""
    fired: asyncio.Event | None = None
    killing: bool = False
    """From the kill until the process is gone, Discord receives nothing new from it: a request it wrote to
    a socket as it died is refused, as a cut connection would be."""

    def delivered(self) -> int:
        return sum(len(self.fake.store.channel_messages.get(c, [])) for c in self.fake.store.dm_recipients)

    def arm(self, target: BotProcess, stored_at: int, moment: str) -> asyncio.Event:
        self.target, self.stored_at, self.moment, self.fired = target, stored_at, moment, asyncio.Event()
        self.killing = False
        return self.fired

    async def _kill(self) -> None:
        assert self.target is not None and self.fired is not None
        self.killing = True
        self.target.kill_now()
        await self.target.wait(PHASE_TIMEOUT_S)  # dead before Discord answers: the answer is never read
        self.fired.set()

    def _armed_for(self, record: RecordedRequest, moment: str) -> bool:
        armed = self.fired is not None and not self.fired.is_set() and self.moment == moment
        return armed and record.method == "POST" and _is_dm_send(self.fake, record.path)

    async def before(self, record: RecordedRequest) -> web.StreamResponse | None:
        if self.killing and self.fired is not None and not self.fired.is_set():
            return web.Response(status=503)  # in flight as it died: never reached Discord
        if self._armed_for(record, "before") and self.delivered() >= self.stored_at:
            await self._kill()
            return web.Response(status=503)  # nobody reads it: the process is gone
        return None

    async def after(self, record: RecordedRequest, response: web.StreamResponse) -> None:
        if self._armed_for(record, "after") and response.status == 200 and self.delivered() >= self.stored_at:
            await self._kill()


def _is_dm_send(fake: InterceptingFakeDiscord, path: str) -> bool:
    match = DM_SEND.match(path)
    return match is not None and int(match[1]) in fake.store.dm_recipients


async def seed_due_checkins(db_path: Path | str, members: int) -> dict[int, int]:
    """Consented members with 20 check-ins each, all due two days ago; check-in id -> member id."""
    clock = FakeClock(datetime.now(UTC) - timedelta(days=2))
    db = await open_database(db_path)
    try:
        service = CheckinService(db, clock=clock)
        for member in range(FIRST_MEMBER, FIRST_MEMBER + members):
            await service.give_consent(member)
            for n in range(PER_MEMBER):
                await service.log_session(member, "calves", "firm", check_in_after=timedelta(minutes=1 + n))
    finally:
        await db.close()
    return {int(i): int(u) for i, u in await rows(db_path, "SELECT id, user_id FROM checkins")}


async def wait_all_sent(db_path: Path | str, total: int) -> None:
    async with asyncio.timeout(PHASE_TIMEOUT_S):
        while (await rows(db_path, "SELECT count(*) FROM checkins WHERE state = 'sent'"))[0][0] < total:
            await asyncio.sleep(0.05)


@pytest.mark.slow
async def test_sigkill_during_delivery_never_loses_or_doubles_a_check_in(tmp_path: Path) -> None:
    """500 check-ins, 20 kills, all inside Discord's nonce window, on SQLite. The same on PostgreSQL is in
    test_crash_kill_postgres.py, and the scenario with forgotten nonces in test_crash_kill_nonces_forgotten.py:
    files of their own, so pytest-xdist (which keeps a file on one worker) runs them side by side."""
    db_path = tmp_path / "kb.sqlite3"
    await run_kill_scenario(tmp_path, db_path, members=25, kills=TWENTY_KILLS, discord_forgets_nonces=False)


async def run_kill_scenario(
    tmp_path: Path,
    database_location: Path | str,
    *,
    members: int,
    kills: list[tuple[int, str]],
    discord_forgets_nonces: bool,
) -> None:
    """Deliver `members` x 20 check-ins through real bot processes killed with SIGKILL at `kills`;
    then every check-in reached its own member exactly once and is stored as sent."""
    db_path = database_location
    owner_of = await seed_due_checkins(db_path, members)
    assert all(stored < len(owner_of) and (stored or moment == "before") for stored, moment in kills)
    fake = InterceptingFakeDiscord(token=TOKEN)
    switch = KillSwitch(fake)
    fake.before_request.append(switch.before)
    fake.after_response.append(switch.after)
    runs: list[BotProcess] = []
    zygote = await Zygote.start(tmp_path / "zygote.log")
    await fake.start()
    try:
        for number, (stored_at, moment) in enumerate(kills):
            bot = await start_bot(zygote, fake, tmp_path, db_path, number, runs, clock_jumps=discord_forgets_nonces)
            fired = switch.arm(bot, stored_at, moment)
            async with asyncio.timeout(PHASE_TIMEOUT_S):
                await fired.wait()
            # At least `stored_at`: with sends in flight at once, one that reached Discord just before the kill
            # may be stored a moment later (on a loaded machine, several). That is Discord's behaviour too.
            assert switch.delivered() >= stored_at, (number, stored_at, moment)
            if discord_forgets_nonces:
                fake.store.nonces.clear()
        last = await start_bot(zygote, fake, tmp_path, db_path, len(kills), runs, clock_jumps=discord_forgets_nonces)
        await wait_all_sent(db_path, len(owner_of))
        await fake.settle()
        last.kill_now()
        await last.wait(PHASE_TIMEOUT_S)
    finally:
        set_clock_offset(0)
        for run in runs:
            run.kill_now()
        await zygote.close()
        await fake.close()

    received = delivered_messages(fake)
    per_checkin = Counter(checkin_id for checkin_id, _channel, _message in received)
    assert set(per_checkin) == set(owner_of), "some check-in never reached its member"
    assert max(per_checkin.values()) == 1, {i: n for i, n in per_checkin.items() if n > 1}
    for checkin_id, channel_id, _message_id in received:  # each in its own member's DMs, never another's
        assert fake.store.dm_recipients[channel_id] == owner_of[checkin_id]
    where = {checkin_id: (channel_id, message_id) for checkin_id, channel_id, message_id in received}
    settled = await rows(db_path, "SELECT id, state, channel_id, message_id FROM checkins")
    assert {(i, state, c, m) for i, state, c, m in settled} == {(i, "sent", *where[i]) for i in owner_of}
    if isinstance(db_path, Path):
        assert await rows(db_path, "PRAGMA integrity_check") == [("ok",)]
    assert_resends_were_answered_with_the_stored_message(fake, where, exactly_one_post_each=discord_forgets_nonces)
    for run in runs:
        assert " ERROR " not in run.output and "Traceback" not in run.output, run.output
    assert not fake.violation_report(), fake.violation_report()
    assert not mention_problems(fake.requests), mention_problems(fake.requests)


async def start_bot(
    zygote: Zygote,
    fake: InterceptingFakeDiscord,
    tmp_path: Path,
    db_path: Path | str,
    number: int,
    runs: list[BotProcess],
    *,
    clock_jumps: bool,
) -> BotProcess:
    extra = {"FAKEDISCORD_UNPACED": "1"}  # this fake enforces no global limit: pacing would only wait
    if clock_jumps:  # time passes for Discord as it does for the bot: message ids carry the same "now"
        extra["FAKEDISCORD_CLOCK_OFFSET_SECONDS"] = str(180 * number)
        set_clock_offset(180 * number)
    env = bot_environment(fake.port, token=TOKEN, db_path=db_path, **extra)
    bot = await zygote.spawn(env, tmp_path / f"run-{number:02d}.log")
    runs.append(bot)
    return bot


def assert_resends_were_answered_with_the_stored_message(
    fake: InterceptingFakeDiscord, where: dict[int, tuple[int, int]], *, exactly_one_post_each: bool
) -> None:
    """Every successful POST of a check-in was answered with its one stored message (Discord's nonce
    dedupe at work); when Discord forgot the nonces, the bot must not have resent a delivered one at all."""
    answered = [r for r in fake.requests if r.method == "POST" and r.status == 200 and _is_dm_send(fake, r.path)]
    for request in answered:
        [embed] = request.json["embeds"]
        checkin_id = int(FOOTER.match(embed["footer"]["text"])[1])  # type: ignore[index]
        assert int(request.response["id"]) == where[checkin_id][1], "a resend created a second message"
    if exactly_one_post_each:
        assert len(answered) == len(where), "the bot resent a check-in Discord had already stored"


@pytest.mark.slow
async def test_sigterm_shuts_the_bot_down_cleanly(tmp_path: Path) -> None:
    fake = FakeDiscord(token=TOKEN)
    await fake.start()
    try:
        env = bot_environment(fake.port, token=TOKEN, db_path=tmp_path / "kb.sqlite3")
        bot = await BotProcess.launch(env, tmp_path / "run.log")
        await fake.gateway.wait_live(PHASE_TIMEOUT_S)
        code = await bot.stop(signal.SIGTERM)
    finally:
        await fake.close()
    assert code == 0, f"exit code {code}:\n{bot.output}"
    assert "Traceback" not in bot.output
