"""The care line and the footer name every warning sign, each rhabdo sign on its own, within Discord's limits."""

from __future__ import annotations

import pytest

from bot.library.library import Library
from bot.ui.embeds import faq_embed, faq_miss_embed, tip_embed
from tests.exts.harness import real_library

RHABDO_ALONE = "any one of dark urine, muscle pain far worse than expected or new weakness"


@pytest.fixture(scope="module")
def library() -> Library:
    return real_library()


@pytest.mark.parametrize("question", ["how do i fix my golf swing", "massage legs"])
def test_a_miss_keeps_every_warning_sign_in_its_care_line(library: Library, question: str) -> None:
    match = library.answer(question)
    assert match.entry is None
    description = faq_miss_embed(match.nearest).to_dict()["description"]
    for sign in ("chest pain", "breathless", "cough blood", "one swollen, hot or painful calf", "hot red skin"):
        assert sign in description
    assert RHABDO_ALONE in description
    assert "get medical help now" in description
    assert "together with" not in description
    assert len(description) <= 4096


def test_every_answer_and_tip_footer_names_each_rhabdo_sign_alone(library: Library) -> None:
    footers = [faq_embed(entry).to_dict()["footer"]["text"] for entry in library.faq]
    footers += [tip_embed(tip).to_dict()["footer"]["text"] for tip in library.tips]
    for footer in footers:
        assert "Not medical advice" in footer
        assert "Chest pain, sudden breathlessness, one swollen, painful leg" in footer
        assert RHABDO_ALONE in footer
        assert "urgent medical help" in footer
        assert len(footer) <= 2048
