"""Two real `python -m bot` processes on one PostgreSQL, shards 0 and 1 of 2, against the loopback fake.

The fake serves each process only its shard's servers, as Discord does. Four servers, two on each shard,
each with a daily tip due now; and alice, whose DMs are closed, has a check-in due from a session she
logged in a server on shard 1.

1. Only the shard-0 process runs. It posts the tips of its two servers and nothing for the others
   (their schedules stay active, no day is claimed for them, they are not taken for departed). It
   claims alice's check-in, its DM is refused, and it hands the check-in over to shard 1 through the
   database: pending, routed to that server, and never marked undeliverable.
2. The shard-1 process starts: it posts its two servers' tips and delivers the check-in in the server
   channel, mentioning alice, once.
3. With both running, another of alice's check-ins falls due with no wake-up sent to either process:
   whichever looks first (every 5 s with shard ids set) claims it; shard 0 hands it over, shard 1
   posts it. Either way it lands in the server channel once.

Each server ends with exactly one tip of the day. PostgreSQL only: several processes refuse SQLite.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.checkins.service import CheckinService
from bot.daily.service import DailyTipService
from bot.guilds.audit import AuditTrail
from bot.library.library import Library
from bot.library.loader import load_content
from bot.settings import PROJECT_ROOT
from bot.storage.db import open_database
from tests.clock import FakeClock
from tests.cluster.shard_world import SHARD_COUNT, channel_id_of, guild_on
from tests.exts.checkin_steps import rows
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import ALICE_ID, OWNER_ID
from tests.fakediscord.process import BotProcess, bot_environment
from tests.sql import fetch_all

TOKEN = "shard-test-token-not-a-real-one"
WAIT_S = 60.0
GUILDS = [guild_on(shard, number) for shard in range(SHARD_COUNT) for number in range(2)]
ON_ZERO = [g.id for g in GUILDS if (g.id >> 22) % SHARD_COUNT == 0]
ON_ONE = [g.id for g in GUILDS if (g.id >> 22) % SHARD_COUNT == 1]
CHECKIN_SERVER = ON_ONE[0]
TIP_TITLE = "Tip of the day · "


def midday_zone(now: datetime) -> str:
    """A fixed-offset zone where it is about noon now, so "due a minute ago" is never yesterday."""
    offset = 12 - now.hour
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


async def add_due_checkin(url: str, now: datetime) -> int:
    """Another of alice's check-ins, due now, added behind both processes' backs (no wake-up reaches them)."""
    db = await open_database(url)
    try:
        checkins = CheckinService(db, clock=FakeClock(now - timedelta(minutes=10)))
        await checkins.log_session(
            ALICE_ID,
            "calves",
            "light",
            check_in_after=timedelta(minutes=1),
            guild_id=CHECKIN_SERVER,
            channel_id=channel_id_of(CHECKIN_SERVER),
        )
    finally:
        await db.close()
    [[checkin_id]] = await rows(url, "SELECT max(id) FROM checkins")
    return int(checkin_id)


async def seed(url: str) -> int:
    """Every server's daily tip due a minute ago (local time), and alice's check-in due; its id."""
    now = datetime.now(UTC).replace(microsecond=0)
    zone = midday_zone(now)
    local_minute = (now - timedelta(minutes=1)).astimezone(ZoneInfo(zone))
    clock = FakeClock(now - timedelta(minutes=2))
    db = await open_database(url)
    try:
        library = Library(load_content(PROJECT_ROOT / "content"))
        daily = DailyTipService(db, builtin_tips=lambda: library.tips, audit=AuditTrail(db, clock=clock), clock=clock)
        for guild in GUILDS:
            await daily.set(
                guild.id, OWNER_ID, channel_id=channel_id_of(guild.id), post_time=f"{local_minute:%H:%M}", timezone=zone
            )
        checkins = CheckinService(db, clock=FakeClock(now - timedelta(minutes=10)))
        await checkins.give_consent(ALICE_ID)
        logged = await checkins.log_session(
            ALICE_ID,
            "calves",
            "firm",
            check_in_after=timedelta(minutes=1),
            guild_id=CHECKIN_SERVER,
            channel_id=channel_id_of(CHECKIN_SERVER),
        )
    finally:
        await db.close()
    [[checkin_id]] = await rows(url, "SELECT id FROM checkins")
    assert logged is not None
    return int(checkin_id)


def tips_in(fake: FakeDiscord, guild_id: int) -> list[dict[str, object]]:
    return [
        message
        for message in fake.messages(channel_id_of(guild_id))
        if any(str(embed.get("title", "")).startswith(TIP_TITLE) for embed in message["embeds"])
    ]


def checkins_in(fake: FakeDiscord, channel_id: int, checkin_id: int) -> list[dict[str, object]]:
    footer = f"Check-in #{checkin_id} "
    return [
        message
        for message in fake.messages(channel_id)
        if any(str(embed.get("footer", {}).get("text", "")).startswith(footer) for embed in message["embeds"])
    ]


async def until(condition: Callable[[], Awaitable[bool]], what: str, processes: list[BotProcess]) -> None:
    try:
        async with asyncio.timeout(WAIT_S):
            while not await condition():
                await asyncio.sleep(0.1)
    except TimeoutError:
        logs = "\n\n".join(process.output for process in processes)
        raise AssertionError(f"gave up waiting for {what}; bot output:\n{logs}") from None


async def start(fake: FakeDiscord, url: str, shard: int, tmp_path: Path) -> BotProcess:
    env = bot_environment(
        fake.port,
        token=TOKEN,
        db_path=url,
        KNEADBOT_SHARD_COUNT=str(SHARD_COUNT),
        KNEADBOT_SHARD_IDS=str(shard),
        KNEADBOT_GLOBAL_RATE="25",
    )
    return await BotProcess.launch(env, tmp_path / f"shard-{shard}.log")


async def test_each_process_posts_its_own_servers_tips_and_hands_over_the_check_in(
    tmp_path: Path, postgres_location: str
) -> None:
    url = postgres_location
    checkin_id = await seed(url)
    fake = FakeDiscord(token=TOKEN, guilds=GUILDS, shard_count=SHARD_COUNT)
    fake.close_dms(ALICE_ID)
    processes: list[BotProcess] = []
    reader = await open_database(url, apply_migrations=False)  # one connection for the many looks while waiting

    async def peek(sql: str, *parameters: object) -> list[tuple[object, ...]]:
        return [tuple(row) for row in await fetch_all(reader, sql, *parameters)]

    await fake.start()
    try:
        processes.append(await start(fake, url, 0, tmp_path))

        async def shard_zero_done() -> bool:
            handed = await peek("SELECT route_guild_id FROM checkins WHERE id = ?", checkin_id)
            return all(len(tips_in(fake, g)) == 1 for g in ON_ZERO) and handed == [(CHECKIN_SERVER,)]

        await until(shard_zero_done, "the shard-0 process's tips and its hand-over", processes)
        await fake.settle()
        assert all(tips_in(fake, g) == [] for g in ON_ONE), "a process posted in a server of another shard"
        assert await rows(url, "SELECT state, problem FROM checkins") == [("pending", None)]
        assert await rows(url, "SELECT count(*) FROM daily_tip_posts WHERE guild_id IN (?, ?)", *ON_ONE) == [(0,)]
        assert fake.dm_messages(ALICE_ID) == []  # closed: refused, nothing stored
        handed_over = f"check-in {checkin_id}: its server {CHECKIN_SERVER} is on another process's shard"
        assert handed_over in processes[0].output  # said once, as routine, not as a delivery warning
        assert "not delivered" not in processes[0].output, processes[0].output
        assert await peek("SELECT count(*) FROM guild_config WHERE left_at IS NOT NULL") == [(0,)]  # not departed

        processes.append(await start(fake, url, 1, tmp_path))

        async def shard_one_done() -> bool:
            sent = await peek("SELECT state FROM checkins WHERE id = ?", checkin_id)
            return all(len(tips_in(fake, g)) == 1 for g in ON_ONE) and sent == [("sent",)]

        await until(shard_one_done, "the shard-1 process's tips and the handed-over check-in", processes)
        later = await add_due_checkin(url, datetime.now(UTC))

        async def later_sent() -> bool:  # whichever process polls first: handed over or sent by its owner
            return await peek("SELECT state FROM checkins WHERE id = ?", later) == [("sent",)]

        await until(later_sent, "a check-in due while both processes run", processes)
        await fake.settle()
        for process in processes:
            assert await process.stop() == 0, process.output
    finally:
        for process in processes:
            process.kill_now()
        await fake.close()
        await reader.close()

    channel = channel_id_of(CHECKIN_SERVER)
    for each in (checkin_id, later):
        [delivered] = checkins_in(fake, channel, each)
        assert delivered["content"] == f"<@{ALICE_ID}>"
        assert all(checkins_in(fake, channel_id_of(g.id), each) == [] for g in GUILDS if g.id != CHECKIN_SERVER)
    assert await rows(url, "SELECT state, channel_id FROM checkins") == [("sent", channel)] * 2
    assert {g.id: len(tips_in(fake, g.id)) for g in GUILDS} == {g.id: 1 for g in GUILDS}
    posts = await rows(url, "SELECT guild_id, state FROM daily_tip_posts ORDER BY guild_id")
    assert posts == sorted((g.id, "posted") for g in GUILDS)
    schedules = await rows(url, "SELECT state FROM daily_tip_schedules")
    assert schedules == [("active",)] * len(GUILDS)  # no process turned another shard's tip off
    assert await rows(url, "SELECT count(*) FROM guild_config WHERE left_at IS NOT NULL") == [(0,)]
    for process in processes:
        assert "Traceback" not in process.output and " ERROR " not in process.output, process.output
    assert not fake.violation_report(), fake.violation_report()
