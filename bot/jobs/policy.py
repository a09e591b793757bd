"""The one retry policy: how long to wait after a failed attempt, and when to give up.

Every feature the runner drives retries through here, so "1, 2, 4 ... minutes up to an hour, at most
8 attempts" is written once; tests/test_boundaries.py fails on retry arithmetic anywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.jobs.outcomes import Failed, Outcome, Retry, RetryLater, Verdict


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff: `first` after attempt 1, doubling up to `longest`; `max_attempts` in all."""

    first: timedelta = timedelta(minutes=1)
    longest: timedelta = timedelta(hours=1)
    max_attempts: int = 8

    def delay(self, attempt: int) -> timedelta:
        """The pause after attempt number `attempt` (1 for the first try) failed."""
        return min(self.first * (1 << max(0, min(attempt - 1, 30))), self.longest)

    def verdict(self, outcome: Outcome, attempt: int, now: datetime) -> Verdict:
        """RetryLater becomes Retry at the backoff time, or Failed once the attempts are used up."""
        if not isinstance(outcome, RetryLater):
            return outcome
        if attempt >= self.max_attempts:
            return Failed(f"gave up after {attempt} delivery attempts ({outcome.reason})")
        return Retry(now + self.delay(attempt), outcome.reason)
