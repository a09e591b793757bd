"""Who claims what when processes split the shards: each server's daily tip and hand-over goes only to
the process owning the server's shard; UNIQUE (guild, local date) and the nonce still hold.

Two services over one database stand for two processes (on SQLite and on PostgreSQL); the real
processes are in test_shards_processes.py.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.checkins.service import CheckinService
from bot.daily.models import NONCE_MAX_LENGTH, daily_nonce
from bot.daily.service import DailyTipService
from bot.guilds.audit import AuditTrail
from bot.guilds.service import GuildService
from bot.models.shards import ShardSlice
from bot.storage import daily_tips as daily_sql
from bot.storage import guilds as guilds_sql
from bot.storage.db import Database
from bot.storage.transactions import transaction
from tests.clock import FakeClock
from tests.cluster.shard_world import SHARD_COUNT, guild_id_on
from tests.daily.support import make_tips
from tests.sql import fetch_all

ZERO, ONE = ShardSlice(SHARD_COUNT, frozenset({0})), ShardSlice(SHARD_COUNT, frozenset({1}))
ON_ZERO = [guild_id_on(0, n) for n in range(2)]
ON_ONE = [guild_id_on(1, n) for n in range(2)]
MODERATOR, MEMBER = 1_001, 4_004
MORNING = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def process(db: Database, clock: FakeClock, shards: ShardSlice | None) -> DailyTipService:
    tips = make_tips(5)
    audit = AuditTrail(db, clock=clock)
    return DailyTipService(db, builtin_tips=lambda: tips, audit=audit, clock=clock, rng=random.Random(3), shards=shards)


async def schedule_all_for_nine(db: Database, clock: FakeClock) -> None:
    clock.set(MORNING)
    everyone = process(db, clock, None)
    for number, guild_id in enumerate(ON_ZERO + ON_ONE):
        await everyone.set(guild_id, MODERATOR, channel_id=number + 1, post_time="09:00")
    clock.set(MORNING + timedelta(hours=1))


async def test_each_process_claims_the_daily_tips_of_its_own_shards_only(db: Database, clock: FakeClock) -> None:
    await schedule_all_for_nine(db, clock)
    zero, one = process(db, clock, ZERO), process(db, clock, ONE)

    assert await zero.due_guilds(clock()) == ON_ZERO
    assert await one.due_guilds(clock()) == ON_ONE
    for guild_id in ON_ZERO:
        assert await zero.claim(guild_id, clock()) is not None
    tomorrow_nine = MORNING + timedelta(days=1, hours=1)
    assert await zero.next_due_at() == tomorrow_nine  # shard 1's servers, still due today, are not its to wake for
    assert await one.next_due_at() == MORNING + timedelta(hours=1)
    assert await zero.due_guilds(clock()) == []
    assert await one.due_guilds(clock()) == ON_ONE


async def test_a_day_is_claimed_once_with_a_nonce_from_server_and_date(db: Database, clock: FakeClock) -> None:
    """Two processes that both think they own a server (a misconfiguration, or a restart) still post
    once: UNIQUE (guild_id, local_date), and the same nonce for a repeated send."""
    await schedule_all_for_nine(db, clock)
    first, second = process(db, clock, ZERO), process(db, clock, ZERO)
    guild_id = ON_ZERO[0]

    claim = await first.claim(guild_id, clock())
    assert claim is not None and await second.claim(guild_id, clock()) is None
    async with transaction(db):
        taken_again = await daily_sql.insert_claim(
            db, guild_id, claim.local_date, channel_id=1, tip_id="tip-00", nonce=claim.nonce, at=clock()
        )
    assert not taken_again
    rows = await fetch_all(db, "SELECT count(*) FROM daily_tip_posts WHERE guild_id = ?", guild_id)
    assert rows[0][0] == 1
    assert claim.nonce == daily_nonce(guild_id, claim.local_date)
    assert len(claim.nonce) <= NONCE_MAX_LENGTH
    others = {daily_nonce(ON_ZERO[1], claim.local_date), daily_nonce(guild_id, claim.local_date + timedelta(days=1))}
    assert claim.nonce not in others


async def test_retries_and_cut_off_posts_stay_with_the_owning_shard(db: Database, clock: FakeClock) -> None:
    await schedule_all_for_nine(db, clock)
    zero, one = process(db, clock, ZERO), process(db, clock, ONE)
    in_flight = await one.claim(ON_ONE[0], clock())
    waiting = await one.claim(ON_ONE[1], clock())
    assert in_flight is not None and waiting is not None
    await one.retry(waiting.guild_id, waiting.local_date, clock(), "Posting failed: 503")

    assert await zero.claim_retries(clock(), 10) == []
    assert await zero.unconfirm_in_flight() == []  # a starting shard-0 process leaves shard 1's post alone
    assert [c.guild_id for c in await one.unconfirm_in_flight()] == [in_flight.guild_id]
    assert [c.guild_id for c in await one.claim_retries(clock(), 10)] == [waiting.guild_id]


async def test_a_check_in_handed_over_is_claimed_only_by_the_process_owning_its_server(
    db: Database, clock: FakeClock
) -> None:
    clock.set(MORNING)
    service = CheckinService(db, clock=clock)
    await service.give_consent(MEMBER)
    await service.log_session(
        MEMBER, "calves", "firm", check_in_after=timedelta(hours=1), guild_id=ON_ONE[0], channel_id=7
    )
    await service.log_session(
        MEMBER, "calves", "firm", check_in_after=timedelta(hours=2), guild_id=ON_ONE[1], channel_id=8
    )
    clock.advance(hours=3)
    delivery = service.delivery
    first, unrouted = await delivery.claim_due(clock(), 1, ZERO), await delivery.claim_due(clock(), 1, ZERO)
    assert [c.guild_id for c in first + unrouted] == ON_ONE  # not handed over yet: any process may take them
    assert not first[0].handed_over  # so no earlier owner of its server's shard can have posted it

    assert await delivery.hand_over(first[0].checkin_id, ON_ONE[0])
    assert not await delivery.hand_over(first[0].checkin_id, ON_ONE[0])  # no longer being sent: nothing changes
    assert await delivery.claim_due(clock(), 10, ZERO) == []
    assert await delivery.next_due_at(ZERO) is None  # not shard 0's to wait for: it sleeps, never spins
    assert await delivery.next_due_at(ONE) is not None
    [row] = await fetch_all(db, "SELECT state, route_guild_id FROM checkins WHERE id = ?", first[0].checkin_id)
    assert tuple(row) == ("pending", ON_ONE[0])  # waiting for its owner, never undeliverable
    taken = await delivery.claim_due(clock(), 10, ONE)
    assert [c.checkin_id for c in taken] == [first[0].checkin_id]
    assert taken[0].nonce == first[0].nonce  # the same delivery: Discord drops a repeat
    assert taken[0].handed_over  # the courier searches its server channel before posting (cluster kill proof)


@pytest.mark.parametrize("shards", [ZERO, None], ids=["shard-0", "all-shards"])
async def test_at_ready_a_process_marks_left_only_servers_of_its_own_shards(
    db: Database, clock: FakeClock, shards: ShardSlice | None
) -> None:
    servers = GuildService(db, audit=AuditTrail(db, clock=clock), clock=clock, shards=shards)
    async with transaction(db):
        for guild_id in ON_ZERO + ON_ONE:
            await guilds_sql.ensure(db, guild_id, clock())
    in_cache = {ON_ZERO[0]}  # what READY brought this process: the other shard's servers are elsewhere
    left = await servers.mark_absent_as_left(in_cache)
    assert left == ([ON_ZERO[1]] if shards is not None else sorted([ON_ZERO[1], *ON_ONE]))


def test_the_shard_rule_is_discords() -> None:
    assert [ZERO.owns(g) for g in ON_ZERO + ON_ONE] == [True, True, False, False]
    assert ShardSlice(1, frozenset({0})).owns(ON_ONE[0])


async def test_a_process_purges_only_departed_servers_of_its_own_shards(db: Database, clock: FakeClock) -> None:
    """A server on another shard may have re-invited the bot while its process was down: only that process
    sees it come back, so only that process may purge it."""
    async with transaction(db):
        for guild_id in ON_ZERO + ON_ONE:
            await guilds_sql.ensure(db, guild_id, clock())
    zero = GuildService(db, audit=AuditTrail(db, clock=clock), clock=clock, shards=ZERO)
    await zero.mark_absent_as_left(set())  # shard 0's servers are gone
    one = GuildService(db, audit=AuditTrail(db, clock=clock), clock=clock, shards=ONE)
    await one.mark_absent_as_left(set())  # and shard 1's, as far as its process knew
    clock.advance(days=31)
    assert await zero.purge_departed(clock()) == sorted(ON_ZERO)
    assert [row[0] for row in await fetch_all(db, "SELECT guild_id FROM guild_config ORDER BY guild_id")] == sorted(
        ON_ONE
    )
    assert ZERO.label != ONE.label  # each slice's purge is a housekeeping task of its own
