"""The FAQ engine: offline model, typos, content-driven synonyms, honest misses, and a checked vocabulary."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.library.library import Library
from bot.library.loader import ContentError, load_content
from tests.exts.harness import ROOT, real_library
from tests.library.content_factory import STOP_WORDS, faq, write_content

OFFLINE_LOAD = """
import socket
def refuse(*args, **kwargs):
    raise OSError("the network was used")
socket.socket.connect = refuse
socket.create_connection = refuse
from bot.library.search.semantic import Embedder
print(Embedder().embed(["my calf is swollen"]).shape)
"""


def test_the_embedding_model_loads_from_its_wheel_with_no_network(tmp_path: Path) -> None:
    """No cache, no network: the weights and the tokenizer must both come from the installed wheel."""
    env = {**os.environ, "HOME": str(tmp_path), "HF_HUB_OFFLINE": "1", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, "-c", OFFLINE_LOAD], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "(1, 256)"
    assert list(tmp_path.iterdir()) == []  # nothing downloaded or cached


@pytest.fixture(scope="module")
def library() -> Library:
    return real_library()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("varicos vains massage ok?", "varicose-veins"),
        ("pregancy leg massage", "pregnancy"),
        ("blood thiners and deep tissue", "blood-thinners"),
        ("plantar fascitis", "plantar-fasciitis"),
        ("circulaton in my legs", "circulation"),
        ("how offen can i have a leg massage", "how-often"),
        ("on xarelto", "blood-thinners"),
        ("preggo leg rub", "pregnancy"),
        ("hypervolt on calfs", "massage-guns"),
    ],
)
def test_typos_and_everyday_words_find_the_entry(library: Library, typed: str, expected: str) -> None:
    assert library.faq_suggestions(typed)[0].id == expected


def test_a_real_word_close_to_an_faq_word_is_not_corrected(library: Library) -> None:
    """ "cellulite" is not a typo of "cellulitis" (vocabulary.yaml: not_typos): no skin-infection answer."""
    match = library.answer("can massage get rid of cellulite")
    assert match.entry is None
    assert match.kind == "out_of_scope"


def test_every_entry_answers_to_its_id_and_its_question(library: Library) -> None:
    """Autocomplete sends the id back; a member may also paste the question."""
    for entry in library.faq:
        for key in (entry.id, entry.question):
            match = library.answer(key)
            assert match.entry == entry, key


def test_a_vague_question_gets_the_nearest_questions_not_an_answer(library: Library) -> None:
    match = library.answer("massage")
    assert (match.entry, match.kind) == (None, "unsure")
    assert len(match.nearest) == 3


@pytest.mark.parametrize("typed", ["", "x" * 6000, "\x00\x1b", "🦵🦵🦵", "the a of", "12345"])
def test_autocomplete_never_raises_and_respects_the_limit(library: Library, typed: str) -> None:
    assert len(library.faq_suggestions(typed, limit=5)) <= 5


def synonym_library(tmp_path: Path, synonyms: list[dict[str, object]]) -> Library:
    root = write_content(
        tmp_path, faqs=[faq("thinners", "Is massage OK with blood thinners?"), faq("sore", "Why sore?")]
    )
    vocabulary = {"vocabulary": {"stop_words": [*STOP_WORDS, "on"], "synonyms": synonyms}}
    (root / "vocabulary.yaml").write_text(yaml.safe_dump(vocabulary), encoding="utf-8")
    return Library(load_content(root))


def test_synonyms_come_from_the_content(tmp_path: Path) -> None:
    without = synonym_library(tmp_path / "without", [])
    with_brand = synonym_library(tmp_path / "with", [{"means": "blood thinners", "words": ["xarelto"]}])
    assert without.answer("on xarelto").entry is None
    match = with_brand.answer("on xarelto")
    assert match.entry is not None
    assert match.entry.id == "thinners"


def test_content_check_refuses_a_warning_sign_without_a_red_flag_entry(tmp_path: Path) -> None:
    root = write_content(tmp_path, faqs=[faq("clots", "Can massage cause blood clots?"), faq("sore", "Why sore?")])
    signs = [
        {"name": "missing", "faq": "chest-pain", "patterns": [[["chest"], ["pain"]]]},
        {"name": "not red", "faq": "sore", "patterns": [[["sore"]]]},
    ]
    (root / "vocabulary.yaml").write_text(yaml.safe_dump({"vocabulary": {"warning_signs": signs}}), encoding="utf-8")
    with pytest.raises(ContentError) as raised:
        load_content(root)
    problems = [str(p) for p in raised.value.problems]
    assert "vocabulary.yaml: missing: names faq entry 'chest-pain', which does not exist" in problems
    assert (
        "vocabulary.yaml: not red: faq entry 'sore' is not a red_flag entry, nor does it say to call your "
        "emergency number" in problems
    )


def test_the_real_vocabulary_is_part_of_the_checked_content() -> None:
    content = load_content(ROOT / "content")
    assert {sign.faq for sign in content.vocabulary.warning_signs} == {
        "chest-pain-breathless",
        "swollen-leg",
        "dark-urine",
        "skin-infection",
        "when-to-see-doctor",
        "blood-clots",
        "sciatica",  # not a red flag, but its answer names the emergency (cauda equina): sends_to_care
    }
