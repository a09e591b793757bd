"""Entries written for one group of people (children, pregnancy, older people) are answered outright only
when the question names that group; the group's words live in content/vocabulary.yaml (`audiences`)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.library.library import Library
from bot.library.loader import ContentError, load_content
from tests.exts.harness import real_library
from tests.library.content_factory import STOP_WORDS, faq, write_content


@pytest.fixture(scope="module")
def library() -> Library:
    return real_library()


@pytest.mark.parametrize(
    "question",
    [
        "why do my legs ache after a massage",
        "my legs ache in the evening",
        "leg pain at night after massage",
        "is leg massage safe for my skin",
    ],
)
def test_an_adult_question_never_gets_a_group_answer(library: Library, question: str) -> None:
    match = library.answer(question)
    assert match.entry is None or match.entry.id not in {"children-growing-pains", "pregnancy", "older-fragile-skin"}


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("kid has growing pains, can i rub his legs", "children-growing-pains"),
        ("im 6 months pregnant can i get my legs massaged", "pregnancy"),
        ("massaging my nan's legs her skin is thin", "older-fragile-skin"),
    ],
)
def test_a_question_naming_the_group_is_answered(library: Library, question: str, expected: str) -> None:
    match = library.answer(question)
    assert match.kind == "answer"
    assert match.entry is not None
    assert match.entry.id == expected


def audience_library(root: Path, audiences: list[dict[str, object]]) -> Library:
    faqs = [
        faq("growing", "Can I massage my child's legs for growing pains?", ["legs ache at night"]),
        faq("thinners", "Is massage OK with blood thinners?"),
    ]
    write_content(root, faqs=faqs)
    vocabulary = {"vocabulary": {"stop_words": STOP_WORDS, "audiences": audiences}}
    (root / "vocabulary.yaml").write_text(yaml.safe_dump(vocabulary), encoding="utf-8")
    return Library(load_content(root))


def test_the_group_marker_comes_from_the_content(tmp_path: Path) -> None:
    without = audience_library(tmp_path / "without", [])
    marked = audience_library(tmp_path / "with", [{"name": "children", "faq": ["growing"], "words": ["child"]}])
    plain = without.answer("why do my legs ache at night")
    assert plain.entry is not None
    assert plain.entry.id == "growing"
    asked = marked.answer("why do my legs ache at night")
    assert (asked.entry, asked.kind) == (None, "unsure")
    assert asked.nearest[0].id == "growing"
    named = marked.answer("why do my child's legs ache at night")
    assert named.entry is not None
    assert named.entry.id == "growing"


def test_content_check_refuses_an_audience_naming_a_missing_entry(tmp_path: Path) -> None:
    with pytest.raises(ContentError) as raised:
        audience_library(tmp_path, [{"name": "children", "faq": ["growing-pains"], "words": ["child"]}])
    problems = [str(p) for p in raised.value.problems]
    assert "vocabulary.yaml: children: names faq entry 'growing-pains', which does not exist" in problems
