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
        ("shortness of breath after my leg massage is just the toxins leaving", "chest-pain-breathless"),
        ("you should rub a dvt to break up the clot", "blood-clots"),
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


CHATTY = (
    "So yesterday I finally booked the session everyone here keeps talking about, and honestly the place was "
    "lovely, quiet music, warm towels, the works. The therapist spent ages on my back and shoulders and then "
    "did my legs with some kind of oil that smelled of oranges. I drove home, had dinner, watched a film and "
    "slept really well, which never happens. This morning I went for a short walk with the dog and "
)


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        ("now my left calf is swollen and hot, should I just rub it out tonight or wait and see?", "swollen-leg"),
        ("now I get out of breath on the stairs, is that the toxins leaving?", "chest-pain-breathless"),
        ("now my pee looks like cola, but that is just the massage working, right?", "dark-urine"),
    ],
)
def test_a_warning_sign_late_in_a_long_message_is_still_found(library: Library, tail: str, expected: str) -> None:
    """Warning signs are looked for in the whole message (up to Discord's 4,000 characters), not only in
    the opening that ranking reads."""
    message = CHATTY + tail
    assert len(CHATTY) > 300
    found = library.check_message(message)
    assert found is not None
    assert found.id == expected
    assert found.red_flag


def test_a_warning_sign_near_the_end_of_a_4000_character_message_is_found(library: Library) -> None:
    filler = CHATTY * (3900 // len(CHATTY))
    message = filler + "my left calf is swollen and hot"
    assert len(message) <= 4000
    found = library.check_message(message)
    assert found is not None
    assert found.id == "swollen-leg"


def test_the_reviewers_438_character_message_finds_the_swollen_calf(library: Library) -> None:
    opening = (CHATTY * 2)[:370]
    message = (opening + "my left calf is swollen and hot" + " and I am not sure what to do about it now.")[:438]
    assert message.index("my left calf is swollen and hot") == 370
    found = library.check_message(message)
    assert found is not None
    assert found.id == "swollen-leg"
