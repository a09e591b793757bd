"""The real content: enough of it, sourced, in our own words, and answering what members ask.

Like Red's trivia tests, every bundled file is loaded through the schema; on top of that we check
what the brief promises members (coverage, sources, red flags routed to a doctor, no pasted guide).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.library.library import Library
from bot.library.loader import Content, load_content

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT.parent / "shared" / "seed" / "leg-massage-guide.txt"
RUN_LENGTH = 8


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content(ROOT / "content")


@pytest.fixture(scope="module")
def library(content: Content) -> Library:
    return Library(content)


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("\u2019", "'"))


def test_there_is_enough_content(content: Content) -> None:
    assert len(content.tips) >= 30
    assert len({tip.topic for tip in content.tips}) >= 6
    assert len(content.faq) >= 15
    assert {"foot", "calf", "thigh", "self-massage"} <= {guide.id for guide in content.guides}
    assert all(len(guide.steps) >= 5 and guide.cautions for guide in content.guides)


def test_no_source_points_at_the_seed_guide(content: Content) -> None:
    """The schema already makes every source a web link; it cannot know the seed guide is not a source."""
    texts = content.checkins
    guidance = [texts.reassure, texts.moderate, texts.severe, texts.warning_signs]
    entries = [*content.tips, *content.faq, *content.guides, content.safety, *guidance]
    for entry in entries:
        for source in entry.sources:
            assert "leg-massage-guide" not in (source.url or ""), source


@pytest.mark.skipif(not SEED.exists(), reason="the seed guide sits in ../shared beside the checkout")
def test_no_run_of_eight_words_from_the_seed_guide_is_pasted() -> None:
    seed = words(SEED.read_text(encoding="utf-8"))
    seed_runs = {tuple(seed[i : i + RUN_LENGTH]) for i in range(len(seed) - RUN_LENGTH + 1)}
    for path in sorted((ROOT / "content").rglob("*.yaml")):
        ours = words(path.read_text(encoding="utf-8"))
        pasted = [" ".join(ours[i : i + RUN_LENGTH]) for i in range(len(ours) - RUN_LENGTH + 1)]
        assert [run for run in pasted if tuple(run.split()) in seed_runs] == [], path.name


def test_red_flag_answers_send_members_to_medical_help(content: Content) -> None:
    red_flags = [entry for entry in content.faq if entry.red_flag]
    assert {"blood-clots", "chest-pain-breathless", "dark-urine", "swollen-leg"} <= {e.id for e in red_flags}
    for entry in red_flags:
        assert re.search(r"doctor|emergency|urgent|medical help|999|911|112", entry.answer, re.I), entry.id


def test_safety_outcomes_say_they_are_not_a_diagnosis(content: Content) -> None:
    for outcome, text in content.safety.outcomes.items():
        assert re.search(r"diagnos", text.text, re.I), outcome
    assert re.search(r"diagnos", content.safety.intro, re.I)


MEMBER_QUESTIONS = {
    "are-leg-massages-safe": ["are leg massages safe", "is leg massage safe", "leg massage risks"],
    "sore-after-massage": ["sore after massage", "why am i sore after a massage", "legs hurt after massage"],
    "how-long-soreness-lasts": ["how long does soreness last", "still sore after 3 days"],
    "dark-urine": ["my pee is dark after a massage", "dark urine after massage"],
    "muscle-crush-toxins": ["muscle crush", "rhabdomyolysis", "do massages release toxins"],
    "circulation": ["does massage improve circulation", "blood flow massage"],
    "blood-clots": ["blood clots", "can massage cause a blood clot", "dvt", "can massage dislodge a clot"],
    "swollen-leg": ["can i massage a swollen leg", "my calf is swollen", "one leg is swollen"],
    "vibration-feet": ["is vibration good for your feet", "vibrating foot massager"],
    "massage-guns": ["are massage guns safe", "percussion massager"],
    "reflexology-depression": ["reflexology", "massage for depression"],
    "heavy-vs-light-pressure": ["how hard should i press", "should it hurt"],
    "pregnancy": ["can i massage my legs while pregnant"],
    "blood-thinners": ["warfarin", "i take blood thinners"],
    "varicose-veins": ["varicose veins", "spider veins"],
    "when-to-see-doctor": ["when should i see a doctor", "red flags"],
    "chest-pain-breathless": ["chest pain", "short of breath"],
    "nerves-numbness-tingling": ["tingling", "pins and needles"],
}


@pytest.mark.parametrize(
    ("question", "expected"), [(q, entry_id) for entry_id, qs in MEMBER_QUESTIONS.items() for q in qs]
)
def test_questions_members_ask_get_the_right_answer(library: Library, question: str, expected: str) -> None:
    match = library.answer(question)
    assert match.entry is not None, [e.id for e in match.nearest]
    assert match.entry.id == expected


@pytest.mark.parametrize("question", ["what is the capital of France", "best pizza in town", "massage", "legs"])
def test_unrelated_or_vague_questions_are_not_answered(library: Library, question: str) -> None:
    match = library.answer(question)
    assert match.entry is None
    assert match.kind == "out_of_scope" or match.nearest
