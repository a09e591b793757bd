"""Branch `tune3`: /faq answers more questions outright without answering any it should not.

Phrasings here are new (not copied from any eval set); each was "unsure" or "I don't have a checked
answer" before the branch (the engine's second way to answer, `KNOWN_MIN_COSINE` in engine.py, or a word
the vocabulary now reads: an abbreviation, slang, filler left out of the ranking). The other side: a
question that names something no entry speaks of is still never answered, and a red-flag entry is still
only ever picked by a warning sign.
"""

from __future__ import annotations

import pytest

from bot.library.library import Library
from tests.exts.harness import real_library

ANSWERED = {
    # every word is one the FAQ uses, and words and meaning both put this entry first by a clear margin
    "are massage guns ok on sore calves": "massage-guns",
    "is a theragun safe for my calf muscles": "massage-guns",
    # abbreviations and everyday names
    "osteo in my knees, can massage help": "knee-arthritis",
    "OA knee, does massage help": "knee-arthritis",
    "what does DOMS stand for": "what-is-doms",
    "doms short for what": "what-is-doms",
    "RLS at night, would a massage help": "restless-legs",
    "how many mins should i spend on each leg": "session-length",
    "acl reconstruction 6 weeks ago, can my leg be massaged": "after-surgery",
    "my gran has the sugar disease, can i rub her feet": "diabetes",
    # slang
    "feel drained after every massage": "tired-or-unwell-after",
    "never done a leg massage, how do i start": "how-to-start",
}

WARNINGS = {
    # weakness after deep work is the dark-urine entry's own "new weakness"
    "legs feel weak since the deep tissue session yesterday": "dark-urine",
    "his thighs feel weak the day after a massage gun session": "dark-urine",
    # "puffier", "warmish"
    "my left ankle looks puffier than the other and feels warmish": "swollen-leg",
    # a swollen, warm, red leg is checked as a clot before the knee it reaches is checked as skin
    "leg swollen and red up to the knee and warm": "swollen-leg",
}

NOT_ANSWERED = [
    # each names something no entry speaks of (a word the FAQ never uses), however close the rest is
    "can massage help with shoulder cramps",
    "how much does a leg massage cost",
    "can i give my cat a leg massage",
    # weak legs in general, and legs like jelly from relaxing, are no warning sign and no answer
    "how do i strengthen weak legs",
    "my legs feel like jelly after the massage, so relaxed",
]


@pytest.fixture(scope="module")
def library() -> Library:
    return real_library()


@pytest.mark.parametrize(("phrase", "expected"), list(ANSWERED.items()))
def test_a_clear_question_is_answered_outright(library: Library, phrase: str, expected: str) -> None:
    match = library.answer(phrase)
    assert (match.kind, match.entry.id if match.entry else None) == ("answer", expected), phrase


@pytest.mark.parametrize(("phrase", "expected"), list(WARNINGS.items()))
def test_new_warning_phrasings_get_their_entry_first(library: Library, phrase: str, expected: str) -> None:
    match = library.answer(phrase)
    assert (match.kind, match.entry.id if match.entry else None) == ("warning", expected), phrase
    assert library.faq_suggestions(phrase)[0].id == expected


@pytest.mark.parametrize("phrase", NOT_ANSWERED)
def test_a_question_about_something_else_is_never_answered(library: Library, phrase: str) -> None:
    match = library.answer(phrase)
    assert match.entry is None, (phrase, match.entry.id if match.entry else None)
    assert match.kind in ("unsure", "out_of_scope")


NEAR_A_RED_FLAG = [  # only the FAQ's words, an ordinary entry first, but a sign of a clot or an infection in it
    "my leg is warm and tender after deep tissue",
    "my ankle is painful and red after deep tissue",
    "my calf is hot and sore after the sports massage",
    "calf sore to touch after flight is it dvt",  # the third way answered it with long-flights-clots
]


@pytest.mark.parametrize("phrase", NEAR_A_RED_FLAG)
def test_a_question_with_a_sign_in_it_lists_the_red_flag_entry_instead_of_one_answer(
    library: Library, phrase: str
) -> None:
    """Found by a review: the known-words answer gave these one ordinary answer (the pressure entry)."""
    match = library.answer(phrase, max_length=200)
    assert match.kind != "answer", match.entry
    if match.kind == "unsure":
        assert any(entry.red_flag for entry in match.nearest), [entry.id for entry in match.nearest]
    else:
        assert match.kind == "warning" and match.entry is not None and match.entry.red_flag
