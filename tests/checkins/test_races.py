"""Read-then-write steps stay correct with concurrent writers on PostgreSQL's READ COMMITTED, as on SQLite.

Each "process" is a Database of its own (its own pool of connections), as separate bots would be.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.checkins.errors import TooManyPending
from bot.checkins.service import MAX_OPEN_PER_MEMBER, CheckinService
from bot.storage.db import Database, open_database
from tests.checkins.support import MEMBER, FakeClock
from tests.sql import fetch_all

PROCESSES = 3


async def open_processes(location: Path | str) -> list[Database]:
    return [await open_database(location) for _ in range(PROCESSES)]


async def test_21_concurrent_adds_for_a_member_with_limit_20_store_exactly_20(
    database_location: Path | str, db: Database, clock: FakeClock
) -> None:
    await CheckinService(db, clock=clock).give_consent(MEMBER)
    processes = await open_processes(database_location)
    try:
        services = [CheckinService(process, clock=clock) for process in processes]
        outcomes = await asyncio.gather(
            *(
                services[number % PROCESSES].log_session(MEMBER, "calves", "light")
                for number in range(MAX_OPEN_PER_MEMBER + 1)
            ),
            return_exceptions=True,
        )
    finally:
        for process in processes:
            await process.close()

    refused = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    assert len(refused) == 1 and isinstance(refused[0], TooManyPending), refused
    [[pending]] = await fetch_all(db, "SELECT count(*) FROM checkins WHERE user_id = ? AND state = 'pending'", MEMBER)
    assert pending == MAX_OPEN_PER_MEMBER


async def test_concurrent_follow_up_requests_schedule_one_follow_up(
    database_location: Path | str, db: Database, clock: FakeClock
) -> None:
    service = CheckinService(db, clock=clock)
    await service.give_consent(MEMBER)
    logged = await service.log_session(MEMBER, "calves", "firm", check_in_after="1h")
    clock.advance(hours=2)
    [due] = await service.delivery.claim_due(clock())
    await service.delivery.mark_sent(due.checkin_id, 1, 2)
    processes = await open_processes(database_location)
    try:
        services = [CheckinService(process, clock=clock) for process in processes]
        follow_ups = await asyncio.gather(
            *(services[n % PROCESSES].schedule_follow_up(logged.checkin.id, MEMBER) for n in range(6))
        )
    finally:
        for process in processes:
            await process.close()

    assert len({follow_up.id for follow_up in follow_ups}) == 1
    [[count]] = await fetch_all(db, "SELECT count(*) FROM checkins WHERE follow_up_of = ?", logged.checkin.id)
    assert count == 1
