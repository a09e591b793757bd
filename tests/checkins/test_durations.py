from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.checkins.durations import format_duration, parse_duration
from bot.checkins.errors import BadDuration

durations = st.integers(min_value=0, max_value=9_999 * 86_400).map(lambda seconds: timedelta(seconds=seconds))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90m", timedelta(minutes=90)),
        ("24h", timedelta(hours=24)),
        ("2d", timedelta(days=2)),
        ("1d12h", timedelta(days=1, hours=12)),
        (" 1D 12H ", timedelta(days=1, hours=12)),
        ("45s", timedelta(seconds=45)),
    ],
)
def test_reads_what_members_type(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@given(durations)
def test_format_then_parse_gives_the_same_duration(duration: timedelta) -> None:
    assert parse_duration(format_duration(duration)) == duration


def test_format_uses_the_largest_units() -> None:
    assert format_duration(timedelta(minutes=90)) == "1h30m"
    assert format_duration(timedelta(days=14)) == "14d"


@pytest.mark.parametrize("text", ["", "h", "1.5h", "-1h", "1h1d", "1x", "24", "1h 1h", "٣h", "1" * 50 + "s"])
def test_rejects_junk_with_a_message_for_the_member(text: str) -> None:
    with pytest.raises(BadDuration, match="90m, 24h"):
        parse_duration(text)


@given(st.text(max_size=30))
def test_any_text_either_parses_or_raises_bad_duration(text: str) -> None:
    try:
        duration = parse_duration(text)
    except BadDuration:
        return
    assert duration >= timedelta(0)
    assert parse_duration(format_duration(duration)) == duration
