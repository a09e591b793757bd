"""Durations as members type them ("90m", "24h", "2d", "1d12h") and as the bot writes them back.

Units run from days down to seconds, each at most once, so every duration has one written form and
`parse_duration(format_duration(d)) == d` for any whole number of seconds.
"""

from __future__ import annotations

import re
from datetime import timedelta

from bot.checkins.errors import BadDuration

_UNITS = (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1))
_DURATION = re.compile(
    r"\s*(?:(?P<d>[0-9]{1,4})\s*d)?\s*(?:(?P<h>[0-9]{1,5})\s*h)?"
    r"\s*(?:(?P<m>[0-9]{1,6})\s*m)?\s*(?:(?P<s>[0-9]{1,7})\s*s)?\s*",
    re.ASCII,
)
MAX_TEXT_LENGTH = 40
"""Longer input is junk whatever it holds; checking first keeps the regex cheap."""


def parse_duration(text: str) -> timedelta:
    """Read a duration such as "1d12h"; raise BadDuration (a message for the member) for anything else."""
    match = _DURATION.fullmatch(text.lower()) if len(text) <= MAX_TEXT_LENGTH else None
    if match is None or not any(match.groupdict().values()):
        raise BadDuration()
    seconds = sum(int(match[unit] or 0) * size for unit, size in _UNITS)
    return timedelta(seconds=seconds)


def format_duration(duration: timedelta) -> str:
    """The short written form, e.g. "1d12h"; fractions of a second are dropped, zero is "0s"."""
    remaining = int(duration.total_seconds())
    if remaining < 0:
        raise ValueError("durations are never negative")
    parts = []
    for unit, size in _UNITS:
        count, remaining = divmod(remaining, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"
