"""A large FAQ narrows by shared words before scoring; it must still find the entry a member means."""

from __future__ import annotations

import random

from bot.library.faq_search import MAX_SCORED, FaqIndex
from bot.library.models import FaqEntry, Source

SOURCE = Source(name="NHS", url="https://www.nhs.uk/")
FILLER = ["pizza", "bicycle", "garden", "window", "river", "violin", "planet", "coffee", "ladder", "pencil"]


def entry(entry_id: str, question: str, aliases: tuple[str, ...] = ()) -> FaqEntry:
    return FaqEntry(
        id=entry_id, question=question, aliases=list(aliases), answer="An answer long enough.", sources=[SOURCE]
    )


def large_index() -> FaqIndex:
    rng = random.Random(3)
    filler = [
        entry(f"filler-{n}", "Can " + " ".join(rng.choice(FILLER) for _ in range(6)) + "?")
        for n in range(MAX_SCORED * 3)
    ]
    wanted = [
        entry("clots", "Can massage cause blood clots?", ("deep vein thrombosis",)),
        entry("soreness", "How long does soreness last after a massage?"),
    ]
    return FaqIndex(filler[:900] + wanted + filler[900:])


def test_large_index_suggests_the_entry_as_it_is_typed() -> None:
    index = large_index()
    for typed in ("Can massage ca", "blood cl", "deep vein", "soreness last"):
        assert index.suggest(typed)[0].id in {"clots", "soreness"}, typed
    assert index.suggest("blood cl")[0].id == "clots"


def test_large_index_forgives_a_typo_in_a_word() -> None:
    index = large_index()
    best = index.best("can massage cause blod clots")
    assert best is not None
    assert best.id == "clots"


def test_large_index_does_not_answer_unrelated_questions() -> None:
    assert large_index().best("what time does the swimming pool open") is None
