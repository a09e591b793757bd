""" "Check with kneadbot" on chat messages: a clear claim finds its entry; everyday chat finds nothing."""

from __future__ import annotations

import pytest

from bot.library.library import Library
from tests.exts.harness import real_library


@pytest.fixture(scope="module")
def library() -> Library:
    return real_library()


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("you need to drink tons of water after a massage to flush toxins", "water-flush-toxins"),
        ("leg massage improves circulation so much", "circulation"),
        ("never massage someone with varicose veins it can kill them", "varicose-veins"),
        ("massage cures depression, reflexology works on everything", "reflexology-depression"),
        ("compression boots are a scam", "compression-boots-foam-rollers"),
        ("<@123456789012345678> my calf is swollen and hot on one side, rub it out https://example.com", "swollen-leg"),
    ],
)
def test_a_clear_claim_finds_its_entry(library: Library, message: str, expected: str) -> None:
    found = library.check_message(message)
    assert found is not None
    assert found.id == expected


@pytest.mark.parametrize(
    "message",
    [
        "lol what did you have for lunch",
        "the meeting is moved to 5pm",
        "I love this server so much",
        "good morning everyone! have a great day",
        "anyone know a good pizza place nearby",
        "my back hurts after moving house",
        "just had the best leg massage ever",
        "",
        "<@123456789012345678> https://example.com/massage",
    ],
)
def test_everyday_chat_finds_nothing(library: Library, message: str) -> None:
    assert library.check_message(message) is None
