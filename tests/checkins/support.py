"""Test helpers for check-ins: member ids and short-cuts through the delivery steps (the clock is tests.clock)."""

from __future__ import annotations

from bot.checkins.delivery import CheckinDelivery
from bot.checkins.models import DueCheckin
from bot.storage.db import Database
from tests.clock import START, FakeClock
from tests.sql import Row, fetch_all

__all__ = ["MEMBER", "START", "STRANGER", "FakeClock", "row", "send_due"]

MEMBER = 1001
STRANGER = 2002


async def send_due(delivery: CheckinDelivery, clock: FakeClock) -> list[DueCheckin]:
    """Claim everything due now and mark it sent, as the Discord side would after a successful send."""
    claimed = await delivery.claim_due(clock(), 100)
    for due in claimed:
        assert await delivery.mark_sent(due.checkin_id, channel_id=555, message_id=10_000 + due.checkin_id)
    return claimed


async def row(db: Database, sql: str, *parameters: object) -> Row:
    rows = await fetch_all(db, sql, *parameters)
    assert len(rows) == 1, rows
    return rows[0]
