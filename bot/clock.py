"""The clock every service and scheduler takes, so tests move time instead of sleeping.

A clock is any function returning the current moment as an aware datetime; `utc_now` is the real one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock: now, aware, in UTC."""
    return datetime.now(UTC)
