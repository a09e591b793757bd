"""What branch `warn2` changed after the second blind set: urgent signs that were called out of scope.

Phrasings here are new (none copied from an eval set). Each group is a cause blind2 found, fixed in a
general way: a clot that has reached the lungs, legs that gave way, weakness said to be new, a warm red
patch of skin, a burst varicose vein, the emergency signs of sciatica (cauda equina syndrome: numbness
around the bottom, bladder or bowel trouble, both legs), denied bleeding and a denied "one leg", and the
decision rule: a red-flag entry close to the question keeps it in scope ("unsure" lists it), so a member
never reads "I don't have a checked answer" next to a warning sign no pattern caught.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.library.library import Library
from bot.library.loader import load_content
from bot.library.search.vocabulary import EMERGENCY_WORDS, sends_to_care
from tests.exts.harness import real_library

ROOT = Path(__file__).resolve().parents[2]

ROUTED = {
    "chest-pain-breathless": [
        "i think a clot has travelled to my lung",
        "symptoms of a blood clot that moved to the lung",
        "pulmonary embolism after a leg massage",
    ],
    "swollen-leg": [
        "my calf has ached for a week and feels warm on that side only",  # one side, without "one" (blind5)
        "my ankle has been getting hotter and more swollen since friday",  # heat and swelling together (blind6)
        "my calf is warm and achy since the long drive",  # warm with an ache (a second review)
        "scratched my leg on a branch and now my calf is hot, red and swollen",  # a calf is a clot first
    ],
    "dark-urine": [
        "my legs buckled on the stairs after the massage",
        "her legs gave way under her yesterday after the massage",
        "never felt this weak before in my legs",
        "my thighs are killing me since the deep tissue yesterday",  # a leg "killing me" stays urgent
        "my quads hurt so so bad two days after the sports massage",  # a doubled intensifier (blind6)
        "in agony since the deep tissue massage yesterday",  # no pain word, no body part (a second review)
    ],
    "skin-infection": [
        "the cat scratch on my shin is red and hot now",  # a small wound gone red and warm (blind5)
        "his calf went red and hot and now hes burning up",  # "burning up" is a fever (blind6)
        "insect bite on her foot has gone red, swollen and warm",  # on a calf it is checked as a clot first
        "there is a hot red blotch on the back of his thigh",
        "a warm pink patch on my upper leg, massage over it?",
    ],
    "when-to-see-doctor": [
        "my varicose vein has burst",
        "a varicose vein ruptured on my ankle last night",
        "vein on her shin opened up and wont stop bleeding",
        "my varicose vein is leaking blood onto the floor",  # a second review: "leaking", "coming out"
        "theres blood coming out of a vein on my shin",
    ],
    "sciatica": [
        "numbness in my groin since my sciatica got worse",
        "slipped disc and now i cant control my bladder",
        "my sciatica is now in both legs",
        "slipped disc and now pins and needles around my bum",
        "cant feel my groin and i cant hold my pee",
        "lower back pain and now i cant feel down there",  # "feel down" is not a mood here (a review)
        "sciatica flared up and i leaked before reaching the loo",
        "my back has been bad and now i keep wetting myself",  # a plain "back" (a second review)
    ],
}

NOT_WARNINGS = [
    "can massage move a clot to the lungs",  # a question about massage: blood-clots, not an emergency now
    "had a clot in my lung years ago, can i have a massage",
    "a red patch from the massage oil, itchy",  # red, but neither warm nor swollen
    "the bottom of my foot is numb",  # "bottom" of a foot is not the saddle area
    "sciatica pain down the back of my leg, will massage help",
    "can massage help lower back pain",
    "not bleeding, just have spider veins, is massage ok?",  # the bleeding is denied
    "is it normal for the area to go red and warm after a massage",
    "my bum goes numb on long drives, can massage help",  # no back, nerve or bladder trouble
    "my knees give out sometimes when running, will massage help",  # an old complaint, not new weakness
    "varicose veins popping out more since pregnancy",  # bulging, not bleeding
    "both feet puffy after the long drive, not one leg, can i massage",  # the one side is denied
    "my tooth is killing me, can a foot rub help",  # "killing me" is no muscle pain by itself (blind4)
    "this heatwave is killing me lol",
    "a red scratch from the cat, can i massage around it",  # red, but not warm or swollen
    "i sleep on that side and my leg aches in the morning",  # "that side" with an ache only
    "my shin is warm after the heat pack",  # warm, not swollen
    "burning up with flu, can i still have my massage tomorrow",  # a fever, no red skin: fever-illness
    "my calves are a bit achy after the flight, both the same",  # both, achy, not warm
]


@pytest.fixture(scope="module")
def library() -> Library:
    return real_library()


@pytest.mark.parametrize(("phrase", "expected"), [(p, e) for e, ps in ROUTED.items() for p in ps])
def test_urgent_signs_get_their_entry_as_a_warning(library: Library, phrase: str, expected: str) -> None:
    match = library.answer(phrase)
    assert (match.kind, match.entry.id if match.entry else None) == ("warning", expected), phrase
    assert library.faq_suggestions(phrase)[0].id == expected


@pytest.mark.parametrize("phrase", NOT_WARNINGS)
def test_near_misses_of_the_urgent_patterns_are_not_warnings(library: Library, phrase: str) -> None:
    assert library.answer(phrase).kind != "warning"


def test_what_a_member_with_cauda_equina_signs_reads_first_is_the_emergency(library: Library) -> None:
    """The sciatica entry is no red flag (it is mostly about massage), so its answer must open with the
    emergency: a member who describes the signs reads "call your emergency number" before any technique."""
    match = library.answer("sciatica and now my privates feel numb")
    assert match.entry is not None
    assert match.entry.id == "sciatica"
    opening = " ".join(match.entry.answer.lower().split())[:200]
    assert EMERGENCY_WORDS in opening
    assert "a&e" in opening
    assert "massage may" not in opening


def test_a_burst_vein_gets_the_entry_that_says_urgent_care_now(library: Library) -> None:
    match = library.answer("varicose vein on my calf just burst")
    assert match.entry is not None
    assert "a bleeding varicose vein (this one needs urgent care now" in match.entry.answer


@pytest.mark.parametrize(
    "phrase", ["something feels off in my leg since the massage", "weird feeling after my massage, is it serious"]
)
def test_a_question_near_a_red_flag_entry_is_never_called_out_of_scope(library: Library, phrase: str) -> None:
    """No pattern catches these; the nearest questions include a red-flag one, so the member gets them."""
    match = library.answer(phrase)
    assert match.kind == "unsure"
    assert any(entry.red_flag for entry in match.nearest)


def test_an_off_topic_question_far_from_every_red_flag_is_still_out_of_scope(library: Library) -> None:
    match = library.answer("whats the best pizza place near me")
    assert match.kind == "out_of_scope"
    assert match.entry is None


def test_only_entries_that_send_members_to_care_may_answer_a_warning_sign() -> None:
    """Every real warning sign names a red-flag entry or one whose answer says to call the emergency number;
    an ordinary entry such as sore-after-massage may not."""
    content = load_content(ROOT / "content")
    by_id = {entry.id: entry for entry in content.faq}
    assert all(sends_to_care(by_id[sign.faq]) for sign in content.vocabulary.warning_signs)
    assert not sends_to_care(by_id["sore-after-massage"])
    assert not by_id["sciatica"].red_flag
    assert sends_to_care(by_id["sciatica"])


DENIED_THEN_ASKED = {
    # a denied sign is left out of the ranking too: the entry the member asks about comes first
    "no chest pain, just tired after my massage": "tired-or-unwell-after",
    "legs sore the day after my massage, nothing swollen, is that ok": "sore-after-massage",
    "my urine isnt dark, just sore thighs after the gym": "what-is-doms",
}


@pytest.mark.parametrize(("phrase", "expected"), list(DENIED_THEN_ASKED.items()))
def test_a_denied_sign_does_not_rank_its_warning_entry_first(library: Library, phrase: str, expected: str) -> None:
    assert library.faq_suggestions(phrase)[0].id == expected
    assert library.answer(phrase).kind != "warning"


def test_a_question_that_is_only_a_denial_still_gets_suggestions(library: Library) -> None:
    """Nothing is left once "not swollen" drops its denied sign, so the whole question is ranked."""
    suggestions = library.faq_suggestions("not swollen")
    assert suggestions
    assert suggestions[0].id == "swollen-leg"


def test_check_with_kneadbot_finds_the_emergency_late_in_a_long_post(library: Library) -> None:
    """The "Check with kneadbot" reading runs the patterns over the whole message: the sign may come last."""
    opening = "Long day, had a sports massage on my hamstrings this morning and the therapist was lovely. " * 3
    numb = library.check_message(opening + "Since my sciatica flared up tonight my groin feels numb, normal?")
    burst = library.check_message(opening + "Then a varicose vein on my ankle burst in the bath.")
    assert numb is not None
    assert numb.id == "sciatica"
    assert burst is not None
    assert burst.id == "when-to-see-doctor"
