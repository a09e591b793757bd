"""The console gives the same FAQ answers as Discord: one engine behind both."""

from __future__ import annotations

import pytest

from bot.console import Console
from tests.exts.harness import real_library


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("chest feels tight after my leg massage", "chest-pain-breathless"),
        ("wee looks like coke after using massage gun", "dark-urine"),
        ("on xarelto", "blood-thinners"),
    ],
)
def test_console_answers_as_discord_does(typed: str, expected: str) -> None:
    library = real_library()
    match = library.answer(typed)
    assert match.entry is not None
    assert match.entry.id == expected
    printed = Console(library).handle(f"/faq {typed}")
    assert printed.startswith(f"== {match.entry.question} ==")
    assert match.entry.answer in printed


def test_console_says_when_it_has_no_checked_answer() -> None:
    printed = Console(real_library()).handle("/faq how much does a massage cost")
    assert printed.startswith("== No checked answer ==")
    assert "get medical help now" in printed
