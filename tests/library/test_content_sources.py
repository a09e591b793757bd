"""Sources: https links to real pages, or plainly labelled practical advice, never a borrowed authority."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.library.loader import ContentError, load_content
from bot.library.models import PRACTICAL_ADVICE_LABEL
from bot.ui.embeds import faq_embed, tip_embed
from tests.library.content_factory import SOURCE, faq, tip, write_content

ADVICE = {"name": "Flat palms spread the pressure", "kind": "practical advice"}


def problems_for(root: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_content(root)
    return [str(p) for p in caught.value.problems]


def test_practical_advice_loads_without_a_link_and_is_shown_as_such(tmp_path: Path) -> None:
    palms = tip("palms", text="Use flat palms on big muscles rather than thumbs.")
    palms["sources"] = [ADVICE]
    content = load_content(write_content(tmp_path, tips=[palms, tip("light-first")]))

    field = tip_embed(content.tips[0]).fields[0].value or ""

    assert field == f"{PRACTICAL_ADVICE_LABEL}Flat palms spread the pressure"
    assert "](" not in field


def test_a_medical_source_and_practical_advice_show_side_by_side(tmp_path: Path) -> None:
    entry = faq("palms", "How should I use my hands?")
    entry["sources"] = [SOURCE, ADVICE]
    content = load_content(write_content(tmp_path, faqs=[entry]))

    lines = (faq_embed(content.faq[0]).fields[0].value or "").splitlines()

    assert lines == [
        f"[{SOURCE['name']}]({SOURCE['url']})",
        "Practical advice (no medical source): Flat palms spread the pressure",
    ]


def test_practical_advice_with_a_link_is_refused(tmp_path: Path) -> None:
    linked = tip("linked")
    linked["sources"] = [{**ADVICE, "url": "https://www.nhs.uk/"}]
    write_content(tmp_path, tips=[linked, tip("light-first")])

    [problem] = problems_for(tmp_path)
    assert problem.startswith("tips.yaml: linked (sources.0):")
    assert "practical advice has no url" in problem


def test_a_source_without_a_link_must_say_it_is_practical_advice(tmp_path: Path) -> None:
    bare = tip("bare")
    bare["sources"] = [{"name": "Someone said so"}]
    write_content(tmp_path, tips=[bare, tip("light-first")])

    [problem] = problems_for(tmp_path)
    assert "a source needs an https url (or kind: practical advice)" in problem


@pytest.mark.parametrize(
    "url", ["http://nccam.nih.gov/health/massage/massageintroduction.htm", "ftp://example.org/x", "https://"]
)
def test_a_link_that_is_not_https_is_refused(tmp_path: Path, url: str) -> None:
    plain = tip("plain-http")
    plain["sources"] = [{"name": "NCCAM", "url": url}]
    write_content(tmp_path, tips=[plain, tip("light-first")])

    [problem] = problems_for(tmp_path)
    assert problem.startswith("tips.yaml: plain-http (sources.0.url):")


def test_an_unknown_source_kind_is_refused(tmp_path: Path) -> None:
    odd = tip("odd")
    odd["sources"] = [{**SOURCE, "kind": "blog"}]
    write_content(tmp_path, tips=[odd, tip("light-first")])

    [problem] = problems_for(tmp_path)
    assert problem.startswith("tips.yaml: odd (sources.0.kind):")
