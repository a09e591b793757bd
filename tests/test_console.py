"""The console shows the same answers as Discord, as text, and can be scripted through a pipe."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest

from bot.console import Console, run_console
from bot.library.library import Library
from bot.library.loader import load_content
from tests.cli import clean_env, run_bot
from tests.library.content_factory import faq, guide, write_content


@pytest.fixture
def library(tmp_path: Path) -> Library:
    faqs = [
        faq("clots", "Can massage cause blood clots?", ["dvt"], answer="Do not massage a leg that may hold a clot.")
    ]
    content = load_content(write_content(tmp_path, faqs=faqs, guides=[guide("calf", "Calf massage", steps=5)]))
    return Library(content, rng=random.Random(1))


def test_faq_answer_is_printed_with_sources_and_disclaimer(library: Library) -> None:
    reply = Console(library).handle("/faq can massage cause blood clots")
    assert reply.startswith("== Can massage cause blood clots? ==")
    assert "Do not massage a leg that may hold a clot." in reply
    assert "NHS: Deep vein thrombosis <https://www.nhs.uk/" in reply
    assert "Not medical advice" in reply


def test_technique_pages_with_next_back_and_done(library: Library) -> None:
    console = Console(library)
    first = console.handle("/technique calf")
    assert "Step 1 of 5" in first
    assert "Cautions" in first
    assert "Step 2 of 5" in console.handle("next")
    assert "Step 1 of 5" in console.handle("back")
    assert console.handle("done") == "Guide closed."
    assert console.handle("next").startswith("! Unknown command")


def test_safety_check_takes_numbers(library: Library) -> None:
    console = Console(library)
    assert "1. One calf is swollen" in console.handle("/safety")
    assert "One calf is swollen" in console.handle("2, 1")
    console.handle("/safety")
    assert console.handle("9").startswith("! Pick numbers from 1 to 4")


def test_errors_read_like_the_bots_ephemeral_replies(library: Library) -> None:
    console = Console(library)
    assert console.handle("/tip gossip").startswith("! There is no topic by that name. Topics: pressure")
    assert console.handle("/faq").startswith("! Please type a question")
    assert console.handle("/dance").startswith("! Unknown command /dance")


def test_run_console_stops_at_quit(library: Library) -> None:
    out = io.StringIO()
    run_console(library, ["/tip", "quit", "/faq dvt"], out)
    assert out.getvalue().startswith("== Tip · Pressure ==")
    assert "clot" not in out.getvalue()


def test_piped_input_runs_the_real_program_and_exits_at_end_of_input() -> None:
    result = run_bot(env=clean_env(), stdin="/tip\n/faq blood clots\n/technique calf\nnext\n")
    assert result.returncode == 0, result.stderr
    assert "== Tip · " in result.stdout
    assert "Step 2 of" in result.stdout
    assert "clot" in result.stdout.lower()
