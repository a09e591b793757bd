"""When a daily tip is due: a local wall-clock time in the server's zone, turned into UTC moments.

Pure functions with zoneinfo, so daylight-saving changes are handled by the tz database: on the day
clocks jump over the chosen time (01:30 in London on the last Sunday of March) the tip goes out at the
jump, the first moment the clock reads later than 01:30; on the day clocks go back over it, it goes
out at the first of the two 01:30s. Either way exactly one run per local date.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.checkins.quiet_hours import moments_showing
from bot.models.daily import Run

__all__ = ["Run", "local_date_at", "next_run", "run_on"]


def run_on(local_date: date, post_time: time, zone: ZoneInfo) -> Run:
    """The run for `local_date`: its first moment showing `post_time`, or the jump if none does."""
    return Run(local_date, moments_showing(datetime.combine(local_date, post_time), zone)[0])


def next_run(post_time: time, zone: ZoneInfo, after: datetime) -> Run:
    """The first run strictly after `after` (an aware datetime)."""
    day = after.astimezone(zone).date() - timedelta(days=1)
    while True:
        run = run_on(day, post_time, zone)
        if run.at > after:
            return run
        day += timedelta(days=1)


def local_date_at(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()
