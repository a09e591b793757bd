"""What the check-in services hand out: plain frozen values, built by bot/storage, shown by bot/ui."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum

from bot.checkins.quiet_hours import QuietHours


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
class DueCheckin:
    """Everything the delivery layer needs to send one check-in, claimed for it (state "sending").

    `nonce` is the same for every retry of this delivery and changes after a snooze, so Discord can
    drop a duplicate send. `late_by` is how long after its planned time (due time moved out of quiet
    hours) it was claimed: more than a few minutes means the bot was down or retrying.
    """

    checkin_id: int
    user_id: int
    area: Area
    intensity: Intensity
    logged_at: datetime
    timezone: str
    guild_id: int | None
    channel_id: int | None
    dm_channel_id: int | None
    due_at: datetime
    claimed_at: datetime
    late_by: timedelta
    attempt: int
    is_follow_up: bool
    nonce: str


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
