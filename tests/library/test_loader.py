"""Content validation: every problem is reported with its file, entry and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.library.loader import EMBED_TOTAL_LIMIT, UI_TEXT_RESERVE, ContentError, load_content
from bot.library.safety import MAX_ADVICE_SHOWN, assess
from bot.ui.embeds import safety_result_embed
from tests.cli import clean_env, run_bot
from tests.library.content_factory import SOURCE, faq, guide, safety, tip, write_content


def problems_for(root: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_content(root)
    return [str(p) for p in caught.value.problems]


def test_valid_folder_loads(tmp_path: Path) -> None:
    content = load_content(write_content(tmp_path))
    assert [t.id for t in content.tips] == ["light-first", "ask-often"]
    assert [g.id for g in content.guides] == ["calf"]


def test_duplicate_ids_are_named(tmp_path: Path) -> None:
    write_content(tmp_path, tips=[tip("same"), tip("same")])
    assert problems_for(tmp_path) == ["tips.yaml: same: duplicate id"]


def test_missing_sources_name_the_entry(tmp_path: Path) -> None:
    broken = tip("no-source")
    broken["sources"] = []
    write_content(tmp_path, tips=[tip("fine"), broken])
    [problem] = problems_for(tmp_path)
    assert problem.startswith("tips.yaml: no-source (sources):")


def test_guide_with_too_few_or_empty_steps_is_rejected(tmp_path: Path) -> None:
    short = guide("foot", "Foot massage", steps=4)
    empty = guide("calf", "Calf massage")
    empty["steps"][2]["text"] = "   "
    write_content(tmp_path, guides=[short, empty])
    found = problems_for(tmp_path)
    assert any(p.startswith("guides/foot.yaml: foot (steps):") for p in found)
    assert any(p.startswith("guides/calf.yaml: calf (steps.2.text):") for p in found)


def test_text_over_discord_limits_is_rejected(tmp_path: Path) -> None:
    write_content(tmp_path, faqs=[faq("long", "Q" * 101), faq("ok", "Fine?", answer="x" * 3001)])
    found = problems_for(tmp_path)
    assert any(p.startswith("faq.yaml: long (question):") for p in found)
    assert any(p.startswith("faq.yaml: ok (answer):") for p in found)


def test_unknown_keys_and_bad_yaml_are_reported(tmp_path: Path) -> None:
    typo = tip("typo")
    typo["sorces"] = typo.pop("sources")
    write_content(tmp_path, tips=[typo])
    (tmp_path / "faq.yaml").write_text("faq: [unclosed", encoding="utf-8")
    found = problems_for(tmp_path)
    assert any(p.startswith("tips.yaml: typo (sorces):") for p in found)
    assert any(p.startswith("faq.yaml: -: not valid YAML") for p in found)


def test_yaml_tags_that_build_python_objects_are_refused(tmp_path: Path) -> None:
    write_content(tmp_path)
    (tmp_path / "tips.yaml").write_text("tips: !!python/object/apply:os.system ['true']\n", encoding="utf-8")
    assert any(p.startswith("tips.yaml: -: not valid YAML") for p in problems_for(tmp_path))


def test_content_check_command_lists_problems_and_fails(tmp_path: Path) -> None:
    write_content(tmp_path, tips=[tip("same"), tip("same")])
    result = run_bot("content", "check", env=clean_env(KNEADBOT_CONTENT_DIR=str(tmp_path)))
    assert result.returncode == 1
    assert "tips.yaml: same: duplicate id" in result.stdout


def test_content_check_command_passes_on_the_real_content() -> None:
    result = run_bot("content", "check", env=clean_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("content OK:")


def test_cautions_that_would_not_fit_one_embed_field_are_rejected(tmp_path: Path) -> None:
    wordy = guide("calf", "Calf massage")
    wordy["cautions"] = ["Stop at once if anything at all hurts. " * 20] * 2
    write_content(tmp_path, guides=[wordy])
    assert problems_for(tmp_path) == ["guides/calf.yaml: calf: cautions too long for one field (1565 > 1024)"]


def test_safety_questions_leave_one_select_option_for_none_of_these(tmp_path: Path) -> None:
    check = safety()
    check["questions"] = [{**check["questions"][0], "id": f"q{n:02}"} for n in range(25)]
    write_content(tmp_path, safety_check=check)
    [problem] = problems_for(tmp_path)
    assert problem.startswith("safety.yaml: safety.questions:")
    assert "at most 24 items" in problem

    check["questions"].pop()
    assert len(load_content(write_content(tmp_path, safety_check=check)).safety.questions) == 24


def safety_filling_one_embed(outcome_text_length: int) -> dict:
    """A safety check whose worst result is the longest outcome plus ten long statements."""
    check = safety()
    check["outcomes"] = {
        name: {"title": "T" * 120, "text": "x" * outcome_text_length}
        for name in ("urgent", "doctor", "caution", "clear")
    }
    statement = {"label": "L" * 100, "description": "Applies to me", "outcome": "urgent", "advice": "a" * 300}
    check["questions"] = [{**statement, "id": f"q{n:02}"} for n in range(MAX_ADVICE_SHOWN + 2)]
    return check


# 120 (title) + 10 x (100 + 300) (statements) + one source as "[name](url)", the rest is the outcome's text
LONGEST_OUTCOME_TEXT = (
    EMBED_TOTAL_LIMIT - UI_TEXT_RESERVE - 120 - 10 * 400 - (len(SOURCE["name"]) + len(SOURCE["url"]) + 5)
)


def test_a_safety_result_that_could_overflow_one_embed_is_rejected(tmp_path: Path) -> None:
    write_content(tmp_path, safety_check=safety_filling_one_embed(LONGEST_OUTCOME_TEXT + 1))
    assert problems_for(tmp_path) == [
        "safety.yaml: -: the longest possible result is too long for one embed (5,501 characters, at most 5,500)"
    ]


def test_the_largest_accepted_safety_result_fits_one_discord_embed(tmp_path: Path) -> None:
    check = load_content(write_content(tmp_path, safety_check=safety_filling_one_embed(LONGEST_OUTCOME_TEXT))).safety
    everything_ticked = assess(check, [question.id for question in check.questions])

    assert len(safety_result_embed(everything_ticked, check)) <= EMBED_TOTAL_LIMIT


def test_start_with_broken_content_stops_before_the_database_is_created_or_migrated(tmp_path: Path) -> None:
    """A release whose content is broken must not migrate the database first: the rollback to the
    release before it would then find a schema too new for it."""
    content_dir, db_path = tmp_path / "content", tmp_path / "kb.sqlite3"
    content_dir.mkdir()
    write_content(content_dir, tips=[tip("same"), tip("same")])
    env = clean_env(KNEADBOT_CONTENT_DIR=str(content_dir), KNEADBOT_DB=str(db_path), DISCORD_TOKEN="MTIz.fake.token")
    result = run_bot(env=env)
    assert result.returncode == 1
    assert "content has problems" in result.stderr and "same: duplicate id" in result.stderr
    assert not db_path.exists()
