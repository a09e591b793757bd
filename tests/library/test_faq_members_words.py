"""Branch `tune4`: words members use that the FAQ says differently, ages, and the out-of-scope check.

Phrasings here are new (none copied from an eval set). Each group is a cause the fourth blind set found,
fixed in a general way: an age ("my 7yo", "a 6 y/o", "82 years old") names the group it belongs to; other
words for how often, what good it does, soreness, a knee scope, leg-day exercise, no massage training, a
clot from years ago, a low mood, bedtime, numbers in words; and a question is called out of scope only when
none of its nearest questions shares enough of its words (not just the first one). The other side: the same words in
questions about something else are still not answered with these entries.
"""

from __future__ import annotations

import pytest

from bot.library.library import Library
from tests.exts.harness import real_library

FIRST = {
    # ages name the group: growing pains is for children, fragile skin for older people
    "my 5yo gets sore legs at bedtime, can i rub them": "children-growing-pains",
    "our 8 y/o son says his legs hurt at night": "children-growing-pains",
    "im 72 years old, is a leg massage ok for me": "older-fragile-skin",  # a member's own age (a second review)
    "my 84 yo mum has very thin skin, how gentle should i be": "older-fragile-skin",
    # other words for what an entry is about
    "how many times per week can i get a leg massage": "how-often",
    "how many times a week should i massage my calves": "how-often",
    "what is the point of getting my legs massaged": "benefits",
    "when will the stiffness from my massage wear off": "how-long-soreness-lasts",
    "got my knee scoped last month, ok to massage my thigh?": "after-surgery",
    "legs wrecked two days after lunges and squats, why is it worse on day two": "what-is-doms",
    "i have no training at all, is it safe for me to massage my wifes legs": "are-leg-massages-safe",
    "my cousin died after a leg massage, how can that happen": "blood-clots",
    "dvt five years back, can i have massages again": "past-dvt",
    "can foot massage lift my mood when im feeling down": "reflexology-depression",
}

ANSWERED = {
    "had my knee scoped, when can i have a leg massage": "after-surgery",
}

NOT_THESE = {
    # an adult's age names no group
    "im 34 years old, is a leg massage safe": "children-growing-pains",
    "my 40 yo husband has shin splints from running": "children-growing-pains",
    "im 19 yo, how often can i get a leg massage": "older-fragile-skin",
    # an age of a thing, not a person (a review): no "my ..." before it, no person word after it
    "got a 6 year old tattoo on my calf, massage over it ok?": "children-growing-pains",
    "is the 100 year old swedish massage method any good": "older-fragile-skin",
}

NEVER_ANSWERED = [
    "whats the point of tipping a massage therapist",
    "how many times should i wash massage towels",
    "is a squat rack worth buying for home",
    "mood lighting ideas for a massage room",
    "is this question in scope for the bot",
]


@pytest.fixture(scope="module")
def library() -> Library:
    return real_library()


@pytest.mark.parametrize(("phrase", "expected"), list(FIRST.items()))
def test_the_entry_a_member_means_comes_first(library: Library, phrase: str, expected: str) -> None:
    assert library.faq_suggestions(phrase)[0].id == expected, phrase
    assert library.answer(phrase).kind != "out_of_scope", phrase


@pytest.mark.parametrize(("phrase", "expected"), list(ANSWERED.items()))
def test_a_clear_question_in_other_words_is_answered(library: Library, phrase: str, expected: str) -> None:
    match = library.answer(phrase)
    assert (match.kind, match.entry.id if match.entry else None) == ("answer", expected), phrase


@pytest.mark.parametrize(("phrase", "entry"), list(NOT_THESE.items()))
def test_an_adults_age_names_no_group(library: Library, phrase: str, entry: str) -> None:
    assert library.faq_suggestions(phrase)[0].id != entry, phrase
    match = library.answer(phrase)
    assert match.entry is None or match.entry.id != entry, phrase


@pytest.mark.parametrize("phrase", NEVER_ANSWERED)
def test_the_same_words_about_something_else_are_not_answered(library: Library, phrase: str) -> None:
    assert library.answer(phrase).entry is None, phrase


def test_a_question_whose_second_nearest_entry_shares_its_words_is_not_out_of_scope(library: Library) -> None:
    """The first entry by meaning may share few of the question's words while the next shares many: the
    member then gets the nearest questions, not "no checked answer"."""
    match = library.answer("my daughter wakes up in tears with achy legs most nights, she is fine by morning")
    assert match.kind == "unsure"
    assert "children-growing-pains" in [entry.id for entry in match.nearest]


def test_an_off_topic_question_is_still_out_of_scope(library: Library) -> None:
    assert library.answer("which pizza place delivers late near me").kind == "out_of_scope"
