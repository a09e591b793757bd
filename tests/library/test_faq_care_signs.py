"""What branch `tune4` changed after the fourth blind set: signs it found unrouted or out of scope.

Phrasings here are new (none copied from an eval set). Two kinds of fix:
- warning patterns: a leg "more big than the other" (non-native comparatives) is the swollen-leg sign, and
  a wound or burn that is open or still healing gets skin-infection, whose answer opens "Don't massage over
  open or healing wounds, burns or infected skin";
- care signs (vocabulary.CareSign), the "see a doctor soon" list of when-to-see-doctor: a vein gone hard
  and lumpy, bruises nobody can explain, a sore that won't heal, numbness that doesn't settle, soreness
  getting worse. They are not routed as warnings (the ordinary entry they sit near also says to see a
  doctor, and may still answer), but the member never reads "no checked answer": when-to-see-doctor is
  always among the nearest questions, second.
"""

from __future__ import annotations

import pytest

from bot.library.library import Library
from tests.exts.harness import real_library

ROUTED = {
    "swollen-leg": [
        "her right calf is more big than the left and warm",
        "my thigh look more fat than other one and is hot",
        "one leg more swollen than my other leg, massage ok?",
        "calf on left side bigger then the right and it hurts",
    ],
    "skin-infection": [
        "is massage ok on a scrape that's healing",
        "can i rub my shin where the burn is still healing",
        "fresh cut on my calf, can she still massage there",
        "massaging around broken skin on the ankle",
        "there's an open wound on my knee, leg massage ok?",
    ],
}

NOT_WARNINGS = [
    "my left leg is more flexible than the other one",  # set against the other leg, but no sign
    "is one leg massager better than other brands",
    "do massages burn calories",  # "burn" without a wound that is healing
    "my feet burn at night from neuropathy, will a foot rub help",
    "does massage help muscles heal faster after a marathon",  # healing muscles, not a wound
    "can massage help a pulled hamstring heal",
    "my knee replacement incision has healed nicely, when can i massage the leg",  # after-surgery's question
]

CARE = [
    "a vein on my shin turned hard and it is sore to touch",
    "my varicose vein feels lumpy and hurts when i press it",
    "big purple bruises appearing out of nowhere on my legs",
    "i keep finding unexplained bruises on my shins, im on apixaban",
    "mum has a sore on her heel that won't heal, she's diabetic",
    "ulcer on my foot still not healed after a month, i have diabetes",
    "my toes have been numb for days since the deep tissue session",
    "tingling in my calf that won't go away after the massage",
    "thighs still aching and getting worse every day since sunday's massage",
]

NOT_CARE = [
    "small bruise after my massage, is that normal",  # a small, explained bruise: the bruising entry
    "my foot tingled during the massage and then it stopped",
    "sore the day after my massage, is that normal",
    "can massage help varicose veins",
    "is a hard massage better for tight calves",  # "hard" pressure is not a hard vein
]


@pytest.fixture(scope="module")
def library() -> Library:
    return real_library()


@pytest.mark.parametrize(("phrase", "expected"), [(p, e) for e, ps in ROUTED.items() for p in ps])
def test_the_new_warning_phrasings_get_their_entry_as_a_warning(library: Library, phrase: str, expected: str) -> None:
    match = library.answer(phrase)
    assert (match.kind, match.entry.id if match.entry else None) == ("warning", expected), phrase
    assert library.faq_suggestions(phrase)[0].id == expected


@pytest.mark.parametrize("phrase", NOT_WARNINGS)
def test_near_misses_of_the_new_warning_patterns_are_not_warnings(library: Library, phrase: str) -> None:
    assert library.answer(phrase).kind != "warning", phrase


def test_a_healing_wound_gets_the_answer_that_says_not_to_massage_over_it(library: Library) -> None:
    match = library.answer("can i massage over a graze that is still healing")
    assert match.entry is not None
    assert "don't massage over open or healing wounds, burns" in match.entry.answer.lower()


@pytest.mark.parametrize("phrase", CARE)
def test_a_sign_to_see_a_doctor_soon_keeps_that_entry_among_the_nearest(library: Library, phrase: str) -> None:
    match = library.answer(phrase)
    assert match.kind != "out_of_scope", phrase
    if match.kind == "unsure":
        assert "when-to-see-doctor" in [entry.id for entry in match.nearest], phrase
    else:  # an answer, from an entry that says to see a doctor about it too
        assert match.entry is not None
        assert "doctor" in match.entry.answer.lower(), phrase
    assert "when-to-see-doctor" in [entry.id for entry in library.faq_suggestions(phrase)[:2]], phrase


@pytest.mark.parametrize("phrase", NOT_CARE)
def test_near_misses_of_the_care_signs_do_not_add_when_to_see_doctor(library: Library, phrase: str) -> None:
    assert "when-to-see-doctor" not in [entry.id for entry in library.faq_suggestions(phrase)[:3]], phrase


def test_a_care_sign_does_not_take_the_answer_from_the_entry_that_fits(library: Library) -> None:
    """Pins and needles that have not gone away are a care sign, but the nerve entry (which says to see a doctor
    if it doesn't settle) stays first: the care sign only adds a suggestion."""
    phrase = "pins and needles in my foot after the massage and it hasnt gone away"
    suggestions = [entry.id for entry in library.faq_suggestions(phrase)]
    assert suggestions[:2] == ["nerves-numbness-tingling", "when-to-see-doctor"]
