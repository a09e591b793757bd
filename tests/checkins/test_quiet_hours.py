from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.checkins.errors import BadQuietHours
from bot.checkins.quiet_hours import QuietHours, next_allowed_delivery

LONDON = ZoneInfo("Europe/London")
NIGHT = QuietHours(time(22), time(7))


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_no_quiet_hours_changes_nothing() -> None:
    assert next_allowed_delivery(utc(2026, 1, 5, 3, 0), LONDON, None) == utc(2026, 1, 5, 3, 0)


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (utc(2026, 1, 5, 21, 59), utc(2026, 1, 5, 21, 59)),  # just before they start
        (utc(2026, 1, 5, 22, 0), utc(2026, 1, 6, 7, 0)),  # start is quiet
        (utc(2026, 1, 5, 23, 30), utc(2026, 1, 6, 7, 0)),  # before midnight: ends tomorrow
        (utc(2026, 1, 6, 3, 0), utc(2026, 1, 6, 7, 0)),  # after midnight: ends today
        (utc(2026, 1, 6, 7, 0), utc(2026, 1, 6, 7, 0)),  # end is not quiet
    ],
)
def test_quiet_hours_that_wrap_past_midnight(due: datetime, expected: datetime) -> None:
    assert next_allowed_delivery(due, LONDON, NIGHT) == expected


def test_quiet_hours_within_one_day() -> None:
    lunch = QuietHours(time(12), time(13, 30))
    assert next_allowed_delivery(utc(2026, 1, 5, 12, 10), LONDON, lunch) == utc(2026, 1, 5, 13, 30)
    assert next_allowed_delivery(utc(2026, 1, 5, 13, 30), LONDON, lunch) == utc(2026, 1, 5, 13, 30)


def test_quiet_hours_follow_the_members_zone() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")  # UTC+9: 23:00 UTC is 08:00 there
    assert next_allowed_delivery(utc(2026, 1, 5, 14, 0), tokyo, NIGHT) == utc(2026, 1, 5, 22, 0)
    assert next_allowed_delivery(utc(2026, 1, 5, 23, 0), tokyo, NIGHT) == utc(2026, 1, 5, 23, 0)


def test_end_is_local_time_after_clocks_go_forward() -> None:
    # 2026-03-29 01:00 UTC: London goes from GMT to BST, so 07:00 local is 06:00 UTC.
    assert next_allowed_delivery(utc(2026, 3, 28, 23, 0), LONDON, NIGHT) == utc(2026, 3, 29, 6, 0)


def test_end_is_local_time_after_clocks_go_back() -> None:
    # 2026-10-25 01:00 UTC: London goes from BST to GMT, so 07:00 local is 07:00 UTC.
    assert next_allowed_delivery(utc(2026, 10, 24, 22, 30), LONDON, NIGHT) == utc(2026, 10, 25, 7, 0)


def test_end_skipped_by_clocks_going_forward_ends_at_the_jump() -> None:
    # 01:30 does not exist in London on 2026-03-29: at 01:00 UTC the clock jumps from 01:00 to 02:00.
    early = QuietHours(time(0), time(1, 30))
    assert next_allowed_delivery(utc(2026, 3, 29, 0, 30), LONDON, early) == utc(2026, 3, 29, 1, 0)


def test_end_repeated_by_clocks_going_back_ends_at_the_next_occurrence() -> None:
    # 01:30 happens twice in London on 2026-10-25: at 00:30 UTC (BST) and at 01:30 UTC (GMT).
    early = QuietHours(time(0), time(1, 30))
    assert next_allowed_delivery(utc(2026, 10, 24, 23, 30), LONDON, early) == utc(2026, 10, 25, 0, 30)
    assert next_allowed_delivery(utc(2026, 10, 25, 1, 10), LONDON, early) == utc(2026, 10, 25, 1, 30)


@pytest.mark.parametrize(("start", "end"), [("22:00", "22:00"), ("24:00", "07:00"), ("7", "8:00"), ("", "")])
def test_impossible_quiet_hours_are_refused(start: str, end: str) -> None:
    with pytest.raises(BadQuietHours):
        QuietHours.parse(start, end)


def test_quiet_hours_read_and_print_as_clock_times() -> None:
    assert QuietHours.parse("7:05", " 23:00 ") == QuietHours(time(7, 5), time(23))
    assert str(NIGHT) == "22:00–07:00"


zones = st.sampled_from(["UTC", "Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"])
minutes_of_day = st.integers(0, 24 * 60 - 1).map(lambda minutes: time(minutes // 60, minutes % 60))
moments = st.datetimes(utc(2026, 1, 1, 0, 0).replace(tzinfo=None), utc(2027, 1, 1, 0, 0).replace(tzinfo=None)).map(
    lambda moment: moment.replace(tzinfo=UTC)
)


@given(moments, zones, minutes_of_day, minutes_of_day)
def test_delivery_is_never_early_never_in_quiet_hours_and_within_a_day(
    due: datetime, zone_name: str, start: time, end: time
) -> None:
    if start == end:
        return
    zone, quiet = ZoneInfo(zone_name), QuietHours(start, end)
    allowed = next_allowed_delivery(due, zone, quiet)
    assert allowed >= due
    assert not quiet.contains(allowed.astimezone(zone).time())
    assert allowed - due <= timedelta(hours=25)
    if allowed > due:
        assert quiet.contains((allowed - timedelta(seconds=1)).astimezone(zone).time())
