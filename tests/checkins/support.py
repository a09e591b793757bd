"""Test helpers for check-ins: a clock tests move by hand, and short-cuts through the delivery steps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import aiosqlite

from bot.checkins.delivery import CheckinDelivery
from bot.checkins.models import DueCheckin

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MEMBER = 1001
STRANGER = 2002


class FakeClock:
    """Callable like the services' clock; time moves only when a test calls `advance`."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


async def send_due(delivery: CheckinDelivery, clock: FakeClock) -> list[DueCheckin]:
    """Claim everything due now and mark it sent, as the Discord side would after a successful send."""
    claimed = await delivery.claim_due(clock(), 100)
    for due in claimed:
        assert await delivery.mark_sent(due.checkin_id, channel_id=555, message_id=10_000 + due.checkin_id)
    return claimed


async def row(db: aiosqlite.Connection, sql: str, *parameters: object) -> aiosqlite.Row:
    rows = list(await db.execute_fetchall(sql, parameters))
    assert len(rows) == 1, rows
    return rows[0]
