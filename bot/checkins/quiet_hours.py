"""Quiet hours: a daily span of local wall-clock time in which the bot sends nothing to a member.

A check-in that falls due inside quiet hours waits until they end. Times are read in the member's
zone with zoneinfo, so the answer stays right across daylight-saving changes: when the end time does
not exist that day (clocks jumped past it) quiet hours end at the jump; when it happens twice (clocks
went back) they end at its first occurrence after the due time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.models.checkins import QuietHours, parse_clock_time

__all__ = ["QuietHours", "moments_showing", "next_allowed_delivery", "parse_clock_time"]


def next_allowed_delivery(due_at: datetime, zone: ZoneInfo, quiet: QuietHours | None) -> datetime:
    """`due_at` itself, or when it falls inside quiet hours, the first moment after it that they end."""
    local = due_at.astimezone(zone)
    if quiet is None or not quiet.contains(local.time()):
        return due_at
    for day in (local.date() - timedelta(days=1), local.date(), local.date() + timedelta(days=1)):
        for moment in moments_showing(datetime.combine(day, quiet.end), zone):
            if moment > due_at:
                return moment
    raise AssertionError("quiet hours always end within a day")  # pragma: no cover


def moments_showing(wall_time: datetime, zone: ZoneInfo) -> list[datetime]:
    """Every UTC moment at which clocks in `zone` read `wall_time` (naive), in order.

    Usually one; two when clocks go back over it; none when they jump over it, in which case the
    moment of the jump stands in, since that is when the clock first shows a later time.
    """
    first = wall_time.replace(tzinfo=zone, fold=0)
    second = wall_time.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return [first.astimezone(UTC)]
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall_time:
        return sorted({first.astimezone(UTC), second.astimezone(UTC)})
    return [_offset_change_between(second.astimezone(UTC), first.astimezone(UTC), zone)]


def _offset_change_between(before: datetime, after: datetime, zone: ZoneInfo) -> datetime:
    """The first whole second in (before, after] at which `zone` uses the UTC offset it has at `after`."""
    later_offset = after.astimezone(zone).utcoffset()
    low, high = int(before.timestamp()), int(after.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == later_offset:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)
