"""What a sender reports about one due item, and what the runner then recorded.

A sender only turns a due item into a Discord request and says how it went; it never touches the
database. The runner (bot/jobs/runner.py) settles the row and counts the metric for every outcome,
including the ones a sender never returns itself (an exception, a timeout): one place for all paths.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Sent:
    """Discord created the message (or a resend found it already there)."""

    channel_id: int
    message_id: int


@dataclass(frozen=True)
class Undeliverable:
    """There is nowhere to send it (DMs closed and no server channel): give up, the member is told."""

    reason: str


@dataclass(frozen=True)
class RetryLater:
    """A passing problem (a 5xx, a timeout, a reconnect): try again after the runner's backoff."""

    reason: str


@dataclass(frozen=True)
class Failed:
    """A lasting problem (the channel is gone): give up now, saying why."""

    reason: str


@dataclass(frozen=True)
class Done:
    """Work that sends nothing to Discord (a housekeeping task) finished; `summary` says what it did."""

    summary: str


@dataclass(frozen=True)
class HandOver:
    """Only the process owning this server's shard can deliver it (its channel is in that cache): hand
    the item to that process through the database, due at once, instead of giving up."""

    guild_id: int

    @property
    def reason(self) -> str:
        return f"its server {self.guild_id} is on another process's shard: handed over"


Outcome = Sent | Done | Undeliverable | RetryLater | Failed | HandOver
"""What a sender returns."""


@dataclass(frozen=True)
class Retry:
    """What the runner asks a job to record for RetryLater: try again at `at` (its backoff applied)."""

    at: datetime
    reason: str


Verdict = Sent | Done | Undeliverable | Retry | Failed | HandOver
"""What the runner asks a job to record: an Outcome with the retry policy applied."""


class Settled(enum.Enum):
    """What the row became; GONE: it was no longer claimed (cancelled, deleted or settled meanwhile)."""

    SENT = "sent"
    DONE = "done"
    UNDELIVERABLE = "undeliverable"
    RETRYING = "retrying"
    FAILED = "failed"
    GONE = "gone"
