"""`content check`'s editorial rules: a misspelt topic and a guide that is named but missing both fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.library.content_rules import check_content_dir, guides_named_in
from bot.library.loader import ContentError, load_content
from tests.cli import clean_env, run_bot
from tests.library.content_factory import faq, guide, tip, write_content

ALL_GUIDES = [guide(g, f"{g} massage") for g in ("calf", "foot", "thigh", "self-massage")]


def empty_install(root: Path) -> Path:
    """A checkout with no README and no code, so only the content itself names guides."""
    root.mkdir()
    return root


def problems_for(content_dir: Path, install_root: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        check_content_dir(content_dir, install_root)
    return [str(p) for p in caught.value.problems]


def test_a_topic_used_by_one_tip_only_is_reported_as_a_likely_typo(tmp_path: Path) -> None:
    content = write_content(
        tmp_path / "content", tips=[tip("tip-a", "pressure"), tip("tip-b", "pressure"), tip("tip-c", "presure")]
    )

    assert problems_for(content, empty_install(tmp_path / "install")) == [
        "tips.yaml: tip-c: topic 'presure' is used by this tip only (a typo?)"
    ]


def test_topics_used_twice_or_more_pass(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", tips=[tip("tip-a", "pressure"), tip("tip-b", "pressure")])

    assert [t.id for t in check_content_dir(content, empty_install(tmp_path / "install")).tips] == ["tip-a", "tip-b"]


def test_a_guide_the_readme_names_but_that_is_missing_is_reported(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", guides=[guide("calf", "Calf massage")])
    install = empty_install(tmp_path / "install")
    (install / "README.md").write_text("| `/technique name` | a guide | `/technique name:knee` |\n", encoding="utf-8")

    assert problems_for(content, install) == [
        "guides/: knee: README.md names this guide, but there is no guides/knee.yaml"
    ]


def test_a_guide_the_code_lists_but_that_is_missing_is_reported(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", guides=[guide("calf", "Calf massage")])
    install = empty_install(tmp_path / "install")
    (install / "bot").mkdir()
    (install / "bot" / "guides.py").write_text('"""name: Which guide: calf or foot."""\n', encoding="utf-8")

    assert problems_for(content, install) == [
        "guides/: foot: bot/guides.py names this guide, but there is no guides/foot.yaml"
    ]


def test_a_faq_answer_that_points_to_a_missing_guide_is_reported(tmp_path: Path) -> None:
    answer = "Pick a guide with /technique: calf or hamstring, and go gently."
    content = write_content(
        tmp_path / "content", faqs=[faq("start", "How do I start?", answer=answer)], guides=ALL_GUIDES
    )

    assert problems_for(content, empty_install(tmp_path / "install")) == [
        "guides/: hamstring: faq.yaml (start) names this guide, but there is no guides/hamstring.yaml"
    ]


def test_a_guide_named_by_its_alias_counts_as_present(tmp_path: Path) -> None:
    calf = guide("calf", "Calf massage")
    calf["aliases"] = ["calves"]
    content = write_content(tmp_path / "content", guides=[calf])
    install = empty_install(tmp_path / "install")
    (install / "README.md").write_text("kneadbot> /technique calves\n", encoding="utf-8")

    assert [g.id for g in check_content_dir(content, install).guides] == ["calf"]


def test_named_guides_are_checked_even_when_the_schema_fails_too(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", tips=[tip("same"), tip("same")], guides=[guide("calf", "Calf")])
    install = empty_install(tmp_path / "install")
    (install / "README.md").write_text("`/technique name:thigh`\n", encoding="utf-8")

    assert problems_for(content, install) == [
        "tips.yaml: same: duplicate id",
        "guides/: thigh: README.md names this guide, but there is no guides/thigh.yaml",
    ]


def test_the_real_readme_and_code_name_the_four_shipped_guides() -> None:
    """Reads the real README and bot/: if either starts naming a new guide, content check will want it."""
    root = Path(__file__).resolve().parents[2]
    named = guides_named_in((root / "README.md").read_text(encoding="utf-8"))
    named |= guides_named_in((root / "bot" / "exts" / "guides.py").read_text(encoding="utf-8"))

    assert named == {"calf", "foot", "thigh", "self-massage"}


def test_guide_mentions_are_read_in_every_form_members_see() -> None:
    assert guides_named_in("Try `/technique name:calf` now") == {"calf"}
    assert guides_named_in("kneadbot> /technique foot        (then next)") == {"foot"}
    assert guides_named_in("a guide with /technique: foot, calf, thigh or self-massage.") == {
        "foot",
        "calf",
        "thigh",
        "self-massage",
    }
    assert guides_named_in("run /technique again, or use `/technique name` to pick one") == set()


def test_the_rules_do_not_block_start_up_with_a_small_fixture(tmp_path: Path) -> None:
    """A one-tip topic loads for the bot (tests and servers may keep small content); only the check refuses it."""
    content = write_content(tmp_path / "content", tips=[tip("only", "lonely")])

    assert [t.topic for t in load_content(content).tips] == ["lonely"]
    assert problems_for(content, empty_install(tmp_path / "install")) == [
        "tips.yaml: only: topic 'lonely' is used by this tip only (a typo?)"
    ]


def test_content_check_command_fails_on_a_misspelt_topic_and_a_missing_named_guide(tmp_path: Path) -> None:
    tips = [tip("tip-a", "pressure"), tip("tip-b", "pressure"), tip("tip-c", "presure")]
    content = write_content(tmp_path, tips=tips, guides=[g for g in ALL_GUIDES if g["id"] != "foot"])

    result = run_bot("content", "check", env=clean_env(KNEADBOT_CONTENT_DIR=str(tmp_path)))

    assert result.returncode == 1
    assert "tips.yaml: tip-c: topic 'presure' is used by this tip only (a typo?)" in result.stdout
    assert "guides/: foot: bot/exts/guides.py names this guide, but there is no guides/foot.yaml" in result.stdout
    assert content.exists()


@pytest.mark.parametrize(
    "url",
    [
        "https://pubmed.ncbi.nlm.nih.gov/?term=Behera+massage+pulmonary+thromboembolism",
        "https://www.nhs.uk/search?q=massage",
        "https://example.org/papers?page=2&term=massage",
    ],
)
def test_a_source_linked_as_search_results_is_reported(tmp_path: Path, url: str) -> None:
    """A search is not a source: it shows whatever matches today, and a member can't check the claim."""
    searched = {"name": "A case report (search)", "url": url}
    tips = [tip("tip-a"), {**tip("tip-b"), "sources": [searched]}]
    content = write_content(tmp_path / "content", tips=tips)

    assert problems_for(content, empty_install(tmp_path / "install")) == [
        "tips.yaml: tip-b: 'A case report (search)' links to search results, not a source"
    ]


def test_a_search_link_in_a_faq_answer_fails_the_content_check_command(tmp_path: Path) -> None:
    searched = {"name": "Search", "url": "https://pubmed.ncbi.nlm.nih.gov/?term=massage"}
    faqs = [faq("clots", "Can massage cause blood clots?", ["dvt"], sources=[searched]), faq("sore", "Why sore?")]
    write_content(tmp_path, faqs=faqs, guides=ALL_GUIDES)

    result = run_bot("content", "check", env=clean_env(KNEADBOT_CONTENT_DIR=str(tmp_path)))

    assert result.returncode == 1
    assert "faq.yaml: clots: 'Search' links to search results, not a source" in result.stdout
