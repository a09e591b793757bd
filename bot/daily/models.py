"""What the daily-tip services hand out: plain frozen values, built by bot/storage, shown by bot/ui."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.library.models import Tip
from bot.models.daily import DailyPost, DailySchedule, PostState, ScheduleState

__all__ = ["DailyPost", "DailySchedule", "PostState", "ScheduleState"]

NONCE_MAX_LENGTH = 25
"""Discord accepts message nonces of at most 25 characters."""


@dataclass(frozen=True)
class DailyTipStatus:
    """What /daily-tip show and /config show display."""

    schedule: DailySchedule
    last_post: DailyPost | None


@dataclass(frozen=True)
class DailyClaim:
    """A day's tip, claimed for one server: the Discord side posts `tip` to `channel_id` with `nonce`.

    `scheduled_at` is when it was due (UTC); the claim may come later the same local day after downtime.
    `claimed_at` is when the day was first claimed: a resend looks for the post from then on.
    `attempt` counts posting attempts (1: the first). `may_post` is False once the local day is over:
    a resend may then only find the post, never make a late one (that would be a second tip tomorrow).
    """

    guild_id: int
    channel_id: int
    local_date: date
    tip: Tip
    nonce: str
    scheduled_at: datetime
    claimed_at: datetime
    attempt: int = 1
    may_post: bool = True


def daily_nonce(guild_id: int, local_date: date) -> str:
    """The same nonce for the same server and day, across retries and restarts: Discord drops a
    second message with a nonce it saw from us a few minutes before, so a retried send cannot double.
    "kd" + YYYYMMDD + the guild id in base 36 (13 characters at most for a 64-bit id) = 23 characters."""
    return f"kd{local_date:%Y%m%d}{_base36(guild_id)}"


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, remainder = divmod(number, 36)
        text = digits[remainder] + text
        if number == 0:
            return text
