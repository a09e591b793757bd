"""When a daily tip is due, in UTC, for a local time: across midnight and daylight-saving changes."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.daily.models import NONCE_MAX_LENGTH, daily_nonce
from bot.daily.schedule import Run, next_run, run_on
from tests.clock import utc

LONDON, NEW_YORK, TOKYO = ZoneInfo("Europe/London"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize(
    ("post_time", "zone", "after", "expected"),
    [
        # later today, and tomorrow once today's time has passed (or is exactly now)
        (time(9, 0), LONDON, utc(2026, 1, 10, 8, 0), Run(date(2026, 1, 10), utc(2026, 1, 10, 9, 0))),
        (time(9, 0), LONDON, utc(2026, 1, 10, 9, 0), Run(date(2026, 1, 11), utc(2026, 1, 11, 9, 0))),
        # across midnight: 22:30 UTC on the 10th is 07:30 on the 11th in Tokyo, 23:30 UTC is 08:30
        (time(8, 0), TOKYO, utc(2026, 1, 10, 22, 30), Run(date(2026, 1, 11), utc(2026, 1, 10, 23, 0))),
        (time(8, 0), TOKYO, utc(2026, 1, 10, 23, 30), Run(date(2026, 1, 12), utc(2026, 1, 11, 23, 0))),
        (time(0, 15), LONDON, utc(2026, 1, 10, 23, 59), Run(date(2026, 1, 11), utc(2026, 1, 11, 0, 15))),
        # summer time shifts the UTC moment, not the local time
        (time(9, 0), LONDON, utc(2026, 6, 1, 0, 0), Run(date(2026, 6, 1), utc(2026, 6, 1, 8, 0))),
        (time(9, 0), NEW_YORK, utc(2026, 6, 1, 0, 0), Run(date(2026, 6, 1), utc(2026, 6, 1, 13, 0))),
    ],
)
def test_next_run(post_time: time, zone: ZoneInfo, after: datetime, expected: Run) -> None:
    assert next_run(post_time, zone, after) == expected


def test_london_spring_forward_day() -> None:
    # 2026-03-29: clocks go from 01:00 GMT to 02:00 BST. 01:30 does not exist: post at the jump.
    assert run_on(date(2026, 3, 28), time(9, 0), LONDON).at == utc(2026, 3, 28, 9, 0)
    assert run_on(date(2026, 3, 29), time(9, 0), LONDON).at == utc(2026, 3, 29, 8, 0)
    assert run_on(date(2026, 3, 29), time(1, 30), LONDON).at == utc(2026, 3, 29, 1, 0)
    assert next_run(time(1, 30), LONDON, utc(2026, 3, 28, 2, 0)) == Run(date(2026, 3, 29), utc(2026, 3, 29, 1, 0))
    assert next_run(time(1, 30), LONDON, utc(2026, 3, 29, 1, 0)) == Run(date(2026, 3, 30), utc(2026, 3, 30, 0, 30))


def test_london_fall_back_day() -> None:
    # 2026-10-25: clocks go from 02:00 BST back to 01:00 GMT. 01:30 happens twice: post at the first.
    assert run_on(date(2026, 10, 25), time(1, 30), LONDON).at == utc(2026, 10, 25, 0, 30)
    assert run_on(date(2026, 10, 25), time(9, 0), LONDON).at == utc(2026, 10, 25, 9, 0)
    # asking between the two 01:30s gives the next day's, never the second one of the same day
    assert next_run(time(1, 30), LONDON, utc(2026, 10, 25, 1, 0)) == Run(date(2026, 10, 26), utc(2026, 10, 26, 1, 30))


def test_new_york_changes() -> None:
    # 2026-03-08: 02:00 EST jumps to 03:00 EDT; 2026-11-01: 02:00 EDT falls back to 01:00 EST.
    assert run_on(date(2026, 3, 8), time(2, 30), NEW_YORK).at == utc(2026, 3, 8, 7, 0)
    assert run_on(date(2026, 3, 8), time(8, 0), NEW_YORK).at == utc(2026, 3, 8, 12, 0)
    assert run_on(date(2026, 11, 1), time(1, 30), NEW_YORK).at == utc(2026, 11, 1, 5, 30)
    assert run_on(date(2026, 11, 1), time(8, 0), NEW_YORK).at == utc(2026, 11, 1, 13, 0)


def test_the_nonce_is_stable_short_and_distinct_per_server_and_day() -> None:
    biggest_snowflake = 2**64 - 1
    nonce = daily_nonce(biggest_snowflake, date(2026, 12, 31))
    assert len(nonce) <= NONCE_MAX_LENGTH
    assert nonce == daily_nonce(biggest_snowflake, date(2026, 12, 31))
    assert len({daily_nonce(g, d) for g in (1, 36, 10**18) for d in (date(2026, 1, 1), date(2026, 1, 2))}) == 6
