"""The warning patterns added on branch `warn`, one phrasing per family, and denied signs both ways.

Phrasings here are new (not copied from any eval set). Each family is the cause a blind set found, fixed
in a general way: slang for swelling, a leg set against the other, colour, throbbing, someone else's
leg, words in between, swapped letters, very little urine, pain named by the body part or a score, weakness shown by
what the member cannot do, cellulitis and infected wounds. Negation: a sign the member plainly denies
does not count, but anything short of a plain denial is still routed (the safe direction).
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.library.library import Library
from bot.library.search.vocabulary import Near, Negation
from tests.exts.harness import real_library

FAMILIES = {
    "swollen-leg": [
        "his calf has blown up and feels hot",  # slang for swelling
        "my ankle has ballooned on one side only",
        "my left leg is twice the size of my right",  # a leg set against the other
        "right calf looks purple and heavy compared to the other one",
        "one leg has gone purple",  # colour
        "her calf is throbbing and hot",  # throbbing
        "her leg is swollen, can i massage it",  # someone else's leg
        "my partners leg looks swollen",
        "his leg blew up after the massage",
        "my calf is enlarged and tender",
        "leg have swell and pain, only one side",  # non-native English
        "the calf of my wife become big and red",
        "my legg is swollen on one side",  # a doubled letter
        "calf very big and red, the other is ok",
        "my calf feels tight and warm and its only on the right",  # words between "only" and the side
    ],
    "chest-pain-breathless": [
        "i cant really get my breath back",  # words in between
        "struggling a bit to breathe since the massage",
        "chest pian after massage",  # two letters swapped in a short word
        "i dont can breathe good",
        "cant get enough air",
        "hurts to breathe",  # pain on breathing
        "it hurts when i take a deep breath",
        "pain in my ribs when i breathe deep",
        "feel like an elephant is sitting on my chest",
        "breathing is weird and fast since my calf massage",
        "heart palpitations after deep tissue",
        "my chest feels funny since the massage",
        "wheezing after the massage",
        "hard time breathing after massage",
        "coughed up pink frothy stuff",
    ],
    "dark-urine": [
        "barely peed since yesterday and my thighs ache",  # very little urine
        "my quads are in agony after the massage gun",  # the body part instead of a pain word
        "pain is 9/10 in my calves since the massage",  # a pain score
        "legs feel really weak after the massage, i can hardly walk",  # what the member cannot do
        "my legs keep giving way since the massage",
        "lost strength in my legs",
        "i cant move my legs after the massage",
        "muscle pain is insane after the massage",
        "my calves are killing me way more than usual",
        "muscle pain very very strong after massage",
        "i have no power in my legs",  # "no" before a word that is not a sign denies nothing
        "my urine is brownish",
        "my pee is the color of coffee",
        "blood in my urine after massage",
    ],
    "skin-infection": [
        "i think its cellulitis on my shin",
        "the graze on my leg looks infected",
        "pink patch spreading on my ankle",
        "my leg has a red rash that is hot",
        "my shin is red and hot and hurts",
        "my leg wound is oozing",
        "leg is red and hot and i feel feverish",
    ],
    "when-to-see-doctor": [
        "blood pouring from a vein on my ankle",
    ],
    "blood-clots": [
        "doctor said i have a clot, can massage get rid of it",
    ],
}

BOTH_SIGNS = {
    # a swollen calf with far worse pain or weakness: the entry that names the clot comes first
    "my calf is swollen and the pain is unbearable": "swollen-leg",
    "left calf swollen and i cant walk on it": "swollen-leg",
    "one leg swollen and weak": "swollen-leg",
    # dark urine still comes before a swollen leg
    "thighs swollen and sore after deep tissue and my pee is dark": "dark-urine",
    # and the emergency before both
    "my calf was swollen and now im short of breath": "chest-pain-breathless",
}

DENIED = [
    "my calf aches but it is not swollen or hot",
    "no chest pain or breathlessness, just tired after the massage",
    "legs are sore after the massage, no swelling or redness",
    "my urine is not dark, is it ok to massage after the gym",
    "nothing swollen, my legs just ache after leg day",
    "dont have any swelling, just tight calves",
    "no redness, no swelling, just sore",
    "my calf isnt swollen or red, can i massage",
]

STILL_WARNINGS = {
    "no idea why my calf is swollen": "swollen-leg",
    "not sure but my pee is dark": "dark-urine",
    "cant breathe after the massage": "chest-pain-breathless",
    "cannot catch my breath": "chest-pain-breathless",
    "my calf is not swollen but it is hot and red": "swollen-leg",
    "no chest pain but i coughed up blood": "chest-pain-breathless",
    "my leg isnt just swollen, its red and hot too": "swollen-leg",
    "no, my calf really is swollen and hot": "swollen-leg",
    "No. Swollen and hot calf, since yesterday": "swollen-leg",  # an answer, then the sign
    "any swelling? no - swollen and hot, one calf": "swollen-leg",
    "not really swollen, but my left calf is warm and tender": "swollen-leg",
    "i dont know why my chest feels tight": "chest-pain-breathless",
}

NEAR_MISSES = [
    "i had trouble finding the oil, should i breathe slowly",  # words too far apart
    "can massage help with cellulite on my thighs",  # not cellulitis
    "does massage help pain that is 3/10",
    "my legs feel like jelly after the massage, so relaxed",
    "take a deep breath and relax during the massage",
    "should i breathe slowly when pressing hard",  # "pressing" was once corrected to "peeing"
    "does massage help blood flow in my veins",
    "one of those leg massagers hurts my calves",  # "one of those" is not one leg
    "can i massage my chest",
    "strong pressure hurts a bit, is that ok",
    "is it normal to breathe deeply during a massage",
    "got a fever, can i still have my massage",
    "i had a dvt last year, can i have a leg massage now",  # past-dvt, not a clot now
]


@pytest.fixture(scope="module")
def library() -> Library:
    return real_library()


def assert_routed(library: Library, phrase: str, expected: str) -> None:
    match = library.answer(phrase)
    assert (match.kind, match.entry.id if match.entry else None) == ("warning", expected), phrase
    assert library.faq_suggestions(phrase)[0].id == expected


@pytest.mark.parametrize(("phrase", "expected"), [(p, e) for e, ps in FAMILIES.items() for p in ps])
def test_each_pattern_family_routes_its_warning_first(library: Library, phrase: str, expected: str) -> None:
    assert_routed(library, phrase, expected)


@pytest.mark.parametrize(("phrase", "expected"), list(BOTH_SIGNS.items()))
def test_with_two_signs_the_more_telling_entry_comes_first(library: Library, phrase: str, expected: str) -> None:
    assert_routed(library, phrase, expected)


@pytest.mark.parametrize("phrase", DENIED)
def test_a_plainly_denied_sign_is_not_answered_as_a_warning(library: Library, phrase: str) -> None:
    match = library.answer(phrase)
    assert match.kind != "warning"
    assert match.entry is None or not match.entry.red_flag


@pytest.mark.parametrize(("phrase", "expected"), list(STILL_WARNINGS.items()))
def test_anything_short_of_a_plain_denial_is_still_a_warning(library: Library, phrase: str, expected: str) -> None:
    assert_routed(library, phrase, expected)


@pytest.mark.parametrize("phrase", NEAR_MISSES)
def test_near_misses_of_the_new_patterns_are_not_warnings(library: Library, phrase: str) -> None:
    assert library.answer(phrase).kind != "warning"


def test_check_with_kneadbot_also_skips_a_denied_sign_and_keeps_a_real_one(library: Library) -> None:
    """The message check runs the router alone on the whole message; denial works there too."""
    denied = library.check_message("Day after my massage: legs achy, not swollen or hot. Normal?")
    assert denied is None or not denied.red_flag
    kept = library.check_message("Long story, but after the massage my left calf is hot and not normal at all")
    assert kept is not None
    assert kept.id == "swollen-leg"


def test_denied_signs_must_be_single_words_and_windows_small() -> None:
    """The denial rule compares one stem at a time: a phrase there would silently never deny anything."""
    with pytest.raises(ValidationError):
        Negation(words=["not"], signs=["chest pain"])
    with pytest.raises(ValidationError):
        Near(within=40, groups=[["chest"], ["pain"]])
