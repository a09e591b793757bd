"""IANA time zone names: validate what a member picked, and suggest names while they type.

Names are matched against `zoneinfo.available_timezones()` rather than passed to ZoneInfo directly,
so a typed path can never reach the file system and letter case does not matter.
"""

from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from bot.checkins.errors import UnknownTimezone
from bot.log import get_logger

MAX_QUERY_LENGTH = 100

log = get_logger(__name__)


@cache
def _names_by_folded_name() -> dict[str, str]:
    return {name.casefold(): name for name in available_timezones()}


@cache
def _sorted_names() -> tuple[str, ...]:
    return tuple(sorted(_names_by_folded_name().values()))


def resolve_timezone(name: str) -> str:
    """The canonical spelling of a zone name, e.g. "europe/london" -> "Europe/London"."""
    folded = name.strip().replace(" ", "_").casefold()
    if folded in _names_by_folded_name():
        return _names_by_folded_name()[folded]
    raise UnknownTimezone()


def timezone_suggestions(partial: str, limit: int = 25) -> list[str]:
    """Zone names for an autocomplete list: names or cities starting with the text first, then any
    containing it. Never raises, whatever was typed."""
    query = partial[:MAX_QUERY_LENGTH].strip().replace(" ", "_").casefold()
    names = _sorted_names()
    starts = [name for name in names if _starts_with(name, query)]
    contains = [name for name in names if query in name.casefold() and not _starts_with(name, query)]
    return (starts + contains)[:limit]


def _starts_with(name: str, query: str) -> bool:
    folded = name.casefold()
    return folded.startswith(query) or folded.rpartition("/")[2].startswith(query)


@cache
def zone_named(name: str) -> ZoneInfo:
    """The zone for a stored name; UTC (with a warning) if this system's tz database lacks it."""
    try:
        return ZoneInfo(resolve_timezone(name))
    except UnknownTimezone:
        log.warning("Time zone %r is not in this system's tz database; using UTC", name)
        return ZoneInfo("UTC")
