"""Check-ins sent side by side are recorded in one shared transaction (bot.checkins.delivery.SentRecorder),
and per-delivery reads ride on the claim: neither may change what each row ends up as."""

from __future__ import annotations

import asyncio

from bot.checkins.dm_status import DMS_CLOSED_FOR, DmStatus
from bot.checkins.service import CheckinService
from bot.storage.db import Database
from tests.checkins.support import FakeClock
from tests.sql import execute_many, fetch_all

TAKEN_OVER_BY = 424242


async def log_due(service: CheckinService, member: int, clock: FakeClock, count: int) -> list[int]:
    ids = [(await service.log_session(member, "feet", "light", check_in_after="1h")).checkin.id for _ in range(count)]
    clock.advance(hours=1)
    return ids


async def test_sends_recorded_together_are_each_settled_once_and_a_taken_over_one_is_left_alone(
    service: CheckinService, db: Database, member: int, clock: FakeClock
) -> None:
    first, taken, third = await log_due(service, member, clock, 3)
    assert len(await service.delivery.claim_due(clock.now)) == 3
    await execute_many(db, "UPDATE checkins SET claimed_by = ? WHERE id = ?", [(TAKEN_OVER_BY, taken)])

    marked = await asyncio.gather(*(service.delivery.mark_sent(cid, 50, 900 + cid) for cid in (first, taken, third)))
    again = await asyncio.gather(*(service.delivery.mark_sent(cid, 50, 1) for cid in (first, taken, third)))

    assert marked == [True, False, True]
    assert again == [False, False, False]  # a repeat never moves a settled row, grouped or not
    rows = await fetch_all(db, "SELECT id, state, message_id, claimed_by FROM checkins ORDER BY id")
    assert [tuple(r) for r in rows] == [
        (first, "sent", 900 + first, None),
        (taken, "sending", None, TAKEN_OVER_BY),  # left to the process that took it over
        (third, "sent", 900 + third, None),
    ]


async def test_the_claim_carries_the_members_closed_dms_and_a_refusal_since_counts_too(
    service: CheckinService, db: Database, member: int, clock: FakeClock
) -> None:
    dms = DmStatus(db, clock=clock)
    await log_due(service, member, clock, 1)
    [before] = await service.delivery.claim_due(clock.now)
    assert before.dms_closed_at is None
    assert dms.is_closed(member, before.dms_closed_at) is False

    await dms.remember_closed(member)  # refused while this claim was in flight
    assert dms.is_closed(member, before.dms_closed_at) is True
    assert DmStatus(db, clock=clock).is_closed(member, before.dms_closed_at) is False  # nothing stored was read

    await log_due(service, member, clock, 1)
    [after] = await service.delivery.claim_due(clock.now)
    assert after.dms_closed_at is not None
    assert DmStatus(db, clock=clock).is_closed(member, after.dms_closed_at) is True
    clock.advance(seconds=DMS_CLOSED_FOR.total_seconds())
    assert dms.is_closed(member, after.dms_closed_at) is False
