"""Daily-tip values shared by storage and the services: plain frozen values, built by bot/storage.

Below both, so storage never imports a service package; `bot.daily.models` and `bot.daily.schedule`
re-export them for the code above.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum


@dataclass(frozen=True)
class Run:
    """One day's run: the local date it belongs to and the UTC moment it is due."""

    local_date: date
    at: datetime


class ScheduleState(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"
    """Turned off by the bot (channel deleted, permission lost); `disabled_reason` says why."""


class PostState(StrEnum):
    CLAIMED = "claimed"
    """The day is taken: the tip is being posted, or the bot stopped before it knew the outcome."""
    POSTED = "posted"
    FAILED = "failed"
    UNCONFIRMED = "unconfirmed"
    """Found still claimed long after: a crash or restart mid-post, so the outcome is unknown.

    The Discord side then looks for the tip in the channel (found: posted) and, if it is missing and
    still that local day, posts it once with the same nonce; otherwise the day stays unconfirmed.
    """


@dataclass(frozen=True)
class DailySchedule:
    guild_id: int
    channel_id: int
    post_time: time
    timezone: str
    state: ScheduleState
    next_local_date: date | None
    next_run_at: datetime | None
    disabled_reason: str | None
    disabled_at: datetime | None
    set_by: int
    set_at: datetime


@dataclass(frozen=True)
class DailyPost:
    """One server's outcome for one local day; there is at most one per (guild_id, local_date)."""

    guild_id: int
    local_date: date
    state: PostState
    channel_id: int
    tip_id: str
    nonce: str
    claimed_at: datetime
    posted_at: datetime | None
    message_id: int | None
    problem: str | None
