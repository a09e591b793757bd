"""What the check-in services hand out. The stored values live in `bot.models.checkins` (below storage,
which builds them) and are re-exported here; `DueCheckin` adds what delivery rules compute."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.models.checkins import (
    Answer,
    AnswerRecord,
    Area,
    Checkin,
    CheckinState,
    CheckinSummary,
    Guidance,
    History,
    Intensity,
    LoggedSession,
    MemberSettings,
    Session,
    SessionRecord,
    Soreness,
)

__all__ = [
    "Answer",
    "AnswerRecord",
    "Area",
    "Checkin",
    "CheckinState",
    "CheckinSummary",
    "DueCheckin",
    "Guidance",
    "History",
    "Intensity",
    "LoggedSession",
    "MemberSettings",
    "Session",
    "SessionRecord",
    "Soreness",
]


@dataclass(frozen=True)
class DueCheckin:
    """Everything the delivery layer needs to send one check-in, claimed for it (state "sending").

    `nonce` is the same for every retry of this delivery and changes after a snooze, so Discord can
    drop a duplicate send. `late_by` is how long after its planned time (due time moved out of quiet
    hours) it was claimed: more than a few minutes means the bot was down or retrying. `dms_closed_at`
    is the member's last refused DM as read with the claim (bot/checkins/dm_status.py), so the courier
    needs no query of its own per delivery. `handed_over`: another process handed it to this server's
    shard (its DM was refused), so an earlier owner of that shard may already have posted it there.
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
    dms_closed_at: datetime | None = None
    handed_over: bool = False
