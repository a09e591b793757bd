"""Warning signs are decided before ranking: each phrasing gets its red-flag entry first, typed and offered.

Phrasings are written the way members type (typos, slang, no punctuation). The negatives are clear
non-warnings that must never be routed: a false alarm teaches members to ignore the real one.
"""

from __future__ import annotations

import pytest

from bot.library.library import Library
from tests.exts.harness import real_library

ROUTED = {
    "chest-pain-breathless": [
        "chest feels tight after my leg massage",
        "chest pain",
        "my chest hurts since the massage yesterday",
        "tight chest and dizzy",
        "pain in my chest when i breathe in",
        "chset pain after calf rub",
        "im short of breath after the massage",
        "cant breathe properly",
        "i get out of breath walking upstairs since my leg massage",
        "struggling to breathe",
        "coughing up blood",
        "i coughed blood this morning",
        "spitting blood after massage",
        "breathless and my calf hurts",
        # a reviewer's phrasings (issue 9 follow-up): synonyms now match stems, so inflections count
        "shortness of breath after leg massage",
        "trouble breathing after calf massage",
        "difficulty breathing",
        "hard to breath since yesterday",
        "i am short of breathe",
        "after massage my breathing is short",
        "i get winded",
        "cant breath properly after massage",
        "i feel faint and dizzy after massage",
        "i fainted after my leg massage",
        "my heart is racing since the massage",
    ],
    "swollen-leg": [
        "my calf is puffy and hot on one side, can i rub it",
        "one calf bigger than the other and it aches",
        "one leg is swollen",
        "left leg swollen and painful",
        "my right calf is swollen and red",
        "swollen calf that hurts",
        "swolen leg painful to walk on",
        "calf is hot and hard",
        "my leg is bigger than the other one",
        "only one ankle is swollen and it hurts",
        "one thigh is warm and tender",
        "painful swelling in my calf",
        "my calf is swollen after massage should i continue",
        "my leg it is swelling only left side, i can do massage?",
        "preggo and leg swollen",
        "my calf is hard and painful",
        "calf pain while pregnant",
        "pain behind knee and calf is tight",
    ],
    "dark-urine": [
        "wee looks like coke after using massage gun",
        "dark urine after massage",
        "my pee is brown",
        "pee looks like cola",
        "urine the colour of tea",
        "dark wee and sore legs",
        "urin is very dark today",
        "muscles hurt way worse than expected",
        "pain far worse than i expected after deep tissue",
        "sudden weakness in my legs",
        "my legs are so weak i cant walk",
        "severe weakness after massage",
        "extreme weakness legs",
        "i peed brown",
        "i cant stand up after the massage",
        "my legs feel like jelly and i cannot stand",
        "my muscles hurt way more than normal after massage gun",
        "worst pain ever in my thigh",
    ],
    "skin-infection": [
        "red patch on my leg is spreading",
        "redness spreading up my calf",
        "skin is hot and red",
        "the rash keeps spreading and feels warm",
        "hot red swollen skin on my shin",
        "red streak going up my leg",
    ],
    "when-to-see-doctor": [
        "my varicose vein is bleeding",
        "varicose veins bled after the massage",
    ],
    "blood-clots": [
        "you should rub a dvt to break up the clot",
        "can massage break up a blood clot",
    ],
}

NOT_ROUTED = [
    "can massage help my breathing relax",
    "is leg massage safe",
    "how do i massage my calf",
    "how often can i massage my legs",
    "sore after massage",
    "how hard should i press",
    "which oil should i use",
    "can i massage my legs while pregnant",
    "does massage improve circulation",
    "what colour should my wee be",
    "my legs feel heavy after a long day",
    "can massage make me feel weak and sleepy",
    "how long should a massage last",
    "i take warfarin",
    "are massage guns safe",
    # near misses for the patterns added with the reviewer's phrasings
    "does massage help you wind down",
    "should i breathe slowly when pressing hard",
    "how fast should i breathe during a massage",
    "breathe deeply and relax during a massage",
    "how hard should i press on my calf, it is sore",
    "is it ok to massage behind the knee",
    "varicose veins and blood thinners",
    "i cant stand the smell of massage oil",
    "is it normal that only my calves hurt after leg day",
    "can massage break up knots in my calves",
    "what is the best oil for a pregnant leg massage",
    "my legs are sore after massage",
    "massage for tired legs in pregnancy",
    "my legs ache while pregnant can i massage them",
]


@pytest.fixture(scope="module")
def library() -> Library:
    return real_library()


@pytest.mark.parametrize(("phrase", "expected"), [(p, e) for e, ps in ROUTED.items() for p in ps])
def test_warning_sign_is_answered_and_offered_first(library: Library, phrase: str, expected: str) -> None:
    match = library.answer(phrase)
    assert match.kind == "warning"
    assert match.entry is not None
    assert match.entry.id == expected
    assert match.entry.red_flag
    assert library.faq_suggestions(phrase)[0].id == expected


@pytest.mark.parametrize("phrase", NOT_ROUTED)
def test_ordinary_questions_are_not_warning_signs(library: Library, phrase: str) -> None:
    assert library.answer(phrase).kind != "warning"


def test_the_answers_warning_signs_are_routed_to_name_them(library: Library) -> None:
    """Routing fainting to the chest-pain entry and a bleeding vein to when-to-see-doctor is only right
    while those answers say so, with the emergency or urgent wording."""
    chest = library.answer("i feel faint and dizzy after massage").entry
    assert chest is not None
    assert "fainting" in chest.answer
    assert "emergency number now" in chest.answer
    doctor = library.answer("my varicose vein is bleeding").entry
    assert doctor is not None
    assert "a bleeding varicose vein" in doctor.answer
    assert doctor.answer.index("emergency number now") < doctor.answer.index("a bleeding varicose vein")


def test_a_warning_sign_comes_first_while_it_is_still_being_typed(library: Library) -> None:
    assert library.faq_suggestions("my chest is tig")[0].id == "chest-pain-breathless"
    assert library.faq_suggestions("one calf swollen and hot")[0].id == "swollen-leg"


def test_a_bleeding_varicose_vein_is_urgent_care_now_wherever_it_is_named(library: Library) -> None:
    """NICE: refer immediately. One place saying "today" and another "now" would leave a member to pick."""
    texts = [entry.answer for entry in library.faq] + [question.advice for question in library.safety.questions]
    naming = [line for text in texts for line in text.splitlines() if "bleeding varicose vein" in line.lower()]
    assert naming, "the content no longer names a bleeding varicose vein"
    assert all("urgent care now" in line for line in naming), naming
