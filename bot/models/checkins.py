"""Check-in values shared by storage and the services: plain frozen values, built by bot/storage.

They live below both (bot/checkins imports them, bot/storage builds them), so storage never imports a
service package; `bot.checkins.models` re-exports them for the code above.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from enum import IntEnum, StrEnum

from bot.errors import BadInput


class BadQuietHours(BadInput):
    """Quiet hours that cannot work: an unreadable time, the same start and end, or only one of them."""


_CLOCK_TIME = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])", re.ASCII)


def parse_clock_time(text: str) -> time:
    """Read a local time written as HH:MM (24-hour clock)."""
    match = _CLOCK_TIME.fullmatch(text.strip())
    if match is None:
        raise BadQuietHours("Write times on the 24-hour clock as HH:MM, for example 22:00 or 07:30.")
    return time(int(match[1]), int(match[2]))


@dataclass(frozen=True)
class QuietHours:
    """From `start` up to (not including) `end`, local time; wraps past midnight when end < start."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start == self.end:
            raise BadQuietHours("Quiet hours need different start and end times.")

    @classmethod
    def parse(cls, start: str, end: str) -> QuietHours:
        return cls(parse_clock_time(start), parse_clock_time(end))

    def contains(self, local: time) -> bool:
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


class Area(StrEnum):
    FEET = "feet"
    CALVES = "calves"
    THIGHS = "thighs"
    WHOLE_LEGS = "whole-legs"


class Intensity(StrEnum):
    LIGHT = "light"
    MEDIUM = "medium"
    FIRM = "firm"
    DEEP = "deep"


class Soreness(IntEnum):
    NONE = 0
    MILD = 1
    MODERATE = 2
    SEVERE = 3


class CheckinState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNDELIVERABLE = "undeliverable"
    CANCELLED = "cancelled"


class Guidance(StrEnum):
    """Which advice the UI shows after an answer."""

    REASSURE = "reassure"
    MODERATE = "moderate"
    SEVERE = "severe"
    WARNING_SIGNS = "warning-signs"


@dataclass(frozen=True)
class MemberSettings:
    user_id: int
    consented_at: datetime
    timezone: str
    quiet_hours: QuietHours | None
    dm_channel_id: int | None


@dataclass(frozen=True)
class Session:
    id: int
    user_id: int
    area: Area
    intensity: Intensity
    note: str | None
    guild_id: int | None
    channel_id: int | None
    logged_at: datetime


@dataclass(frozen=True)
class Checkin:
    """One row of the delivery state machine."""

    id: int
    user_id: int
    session_id: int
    follow_up_of: int | None
    state: CheckinState
    due_at: datetime
    deliver_at: datetime
    snoozes: int
    attempts: int
    sent_at: datetime | None

    @property
    def is_follow_up(self) -> bool:
        return self.follow_up_of is not None


@dataclass(frozen=True)
class CheckinSummary:
    """A check-in with the session it asks about: what /session upcoming, cancel and notices show."""

    id: int
    state: CheckinState
    area: Area
    intensity: Intensity
    logged_at: datetime
    due_at: datetime
    deliver_at: datetime
    is_follow_up: bool
    problem: str | None


@dataclass(frozen=True)
class LoggedSession:
    session: Session
    checkin: CheckinSummary


@dataclass(frozen=True)
class Answer:
    """The outcome of a button press; `guidance` picks the advice, `offers_follow_up` the extra button."""

    checkin_id: int
    soreness: Soreness | None
    guidance: Guidance
    is_follow_up: bool

    @property
    def offers_follow_up(self) -> bool:
        return self.guidance is Guidance.MODERATE


@dataclass(frozen=True)
class AnswerRecord:
    checkin_id: int
    is_follow_up: bool
    soreness: Soreness | None
    answered_at: datetime | None
    warning_signs_at: datetime | None


@dataclass(frozen=True)
class SessionRecord:
    session: Session
    answers: tuple[AnswerRecord, ...]


@dataclass(frozen=True)
class History:
    """The latest sessions, newest first, and every soreness answer among them oldest first for a chart."""

    sessions: tuple[SessionRecord, ...]
    soreness_points: tuple[tuple[datetime, Soreness], ...]


@dataclass(frozen=True)
class DueRow:
    """A claimed ("sending") check-in as stored, with its session and member: bot/checkins turns it into a
    DueCheckin (late_by, nonce), since those are rules, not storage."""

    checkin_id: int
    user_id: int
    area: Area
    intensity: Intensity
    logged_at: datetime
    timezone: str
    quiet_hours: QuietHours | None
    guild_id: int | None
    channel_id: int | None
    dm_channel_id: int | None
    due_at: datetime
    claimed_at: datetime
    attempts: int
    snoozes: int
    is_follow_up: bool
    dms_closed_at: datetime | None = None
    handed_over: bool = False
