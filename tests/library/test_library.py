"""The Library answers from content and never guesses: misses list what exists instead."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bot.errors import BadInput, NotFound
from bot.library.guides import StepCursor
from bot.library.library import Library
from bot.library.loader import load_content
from bot.library.models import Tip
from bot.library.safety import assess
from tests.library.content_factory import faq, guide, tip, write_content


@pytest.fixture
def library(tmp_path: Path) -> Library:
    tips = [
        tip("light-first", "pressure"),
        tip("rest-day", "aftercare", "Rest the legs for a day after a firm session."),
    ]
    faqs = [
        faq("clots", "Can massage cause blood clots?", ["dvt", "deep vein thrombosis"], red_flag=True),
        faq("sore-after", "Why are my legs sore after a massage?", ["doms"]),
        faq("how-often", "How often can I massage my legs?"),
    ]
    guides = [guide("calf", "Calf massage"), guide("foot", "Foot massage", steps=6)]
    return Library(load_content(write_content(tmp_path, tips=tips, faqs=faqs, guides=guides)), rng=random.Random(4))


def test_tip_from_a_topic_comes_from_that_topic(library: Library) -> None:
    assert {library.pick_tip("aftercare").id for _ in range(10)} == {"rest-day"}
    assert library.pick_tip(" Pressure ").topic == "pressure"


def test_unknown_topic_lists_the_topics_that_exist(library: Library) -> None:
    with pytest.raises(NotFound, match="Topics: aftercare, pressure"):
        library.pick_tip("reflexology")


def test_server_tips_join_the_pool_only_when_passed(library: Library) -> None:
    own = Tip.model_validate(tip("server-own", "house-rules", "Our studio asks you to book sessions in advance."))
    assert library.pick_tip("house-rules", extra_tips=[own]).id == "server-own"
    with pytest.raises(NotFound):
        library.pick_tip("house-rules")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Can massage cause blood clots?", "clots"),
        ("can massage cause blood clot", "clots"),
        ("DVT", "clots"),
        ("clots", "clots"),
        ("why am i so sore after a massage", "sore-after"),
        ("how often should i massage my legs", "how-often"),
    ],
)
def test_questions_are_answered_despite_wording(library: Library, typed: str, expected: str) -> None:
    match = library.answer(typed)
    assert match.entry is not None
    assert match.entry.id == expected


@pytest.mark.parametrize("typed", ["what is the capital of France", "zzzz qqqq", "best pizza in town"])
def test_unrelated_questions_get_nearest_questions_not_an_answer(library: Library, typed: str) -> None:
    match = library.answer(typed)
    assert match.entry is None
    assert match.kind == "out_of_scope"
    assert match.nearest == ()


@pytest.mark.parametrize("typed", ["", "   ", "\x00\x1b"])
def test_empty_question_is_bad_input(library: Library, typed: str) -> None:
    with pytest.raises(BadInput, match="Please type a question"):
        library.answer(typed)


def test_over_long_question_is_bad_input(library: Library) -> None:
    with pytest.raises(BadInput, match="too long"):
        library.answer("blood clots " * 500)


def test_suggestions_are_distinct_and_capped(library: Library) -> None:
    assert [e.id for e in library.faq_suggestions("")] == ["clots", "sore-after", "how-often"]
    suggested = library.faq_suggestions("deep vein")
    assert suggested[0].id == "clots"
    assert len({e.id for e in suggested}) == len(suggested)
    assert len(library.faq_suggestions("x" * 6000, limit=2)) <= 2


def test_guides_are_found_by_id_name_or_typo(library: Library) -> None:
    assert library.guide("calf").id == "calf"
    assert library.guide("Foot massage").id == "foot"
    assert library.guide("calff").id == "calf"


def test_unknown_guide_lists_the_guides(library: Library) -> None:
    with pytest.raises(NotFound, match="Guides: Calf massage, Foot massage"):
        library.guide("reflexology")


def test_step_cursor_never_runs_off_either_end(library: Library) -> None:
    cursor = StepCursor(library.guide("foot"))
    cursor.back()
    assert cursor.index == 0
    assert cursor.is_first
    for _ in range(10):
        cursor.next()
    assert (cursor.index, cursor.is_last) == (5, True)


def test_safety_outcome_is_the_most_serious_ticked(library: Library) -> None:
    check = library.safety
    assert assess(check, []).outcome == "clear"
    assert assess(check, ["veins"]).outcome == "caution"
    assert assess(check, ["veins", "pregnant"]).outcome == "doctor"
    result = assess(check, ["pregnant", "calf", "veins"])
    assert result.outcome == "urgent"
    assert [q.id for q in result.ticked] == ["pregnant", "calf", "veins"]


def test_safety_refuses_answers_it_does_not_know(library: Library) -> None:
    with pytest.raises(BadInput):
        assess(library.safety, ["made-up"])
