"""The console shows the same answers as Discord, as text, and can be scripted through a pipe."""

from __future__ import annotations

import io
import json
import os
import pty
import random
import select
import shlex
import signal
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from bot.console import Console, run_console
from bot.library.library import Library
from bot.library.loader import load_content
from bot.ui.checkins import DECLINED
from tests.cli import ROOT, clean_env, run_bot
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


@pytest.mark.parametrize("answer", ["1 3", "1,3", "1, 3", " 3 ,1 ", "1;3", "1  ,, 3"])
def test_safety_answers_separated_by_spaces_commas_or_both_tick_every_number(library: Library, answer: str) -> None:
    console = Console(library)
    console.handle("/safety")
    reply = console.handle(answer)
    assert "-- One calf is swollen --" in reply
    assert "-- Varicose veins --" in reply
    assert "-- Pregnant --" not in reply


def test_safety_refuses_a_number_out_of_range_instead_of_dropping_or_merging(library: Library) -> None:
    console = Console(library)
    console.handle("/safety")
    reply = console.handle("12")
    assert reply.startswith("! Pick numbers from 1 to 4: there is no question 12.")
    console.handle("/safety")
    assert "there is no question 7" in console.handle("1 7")
    console.handle("/safety")
    assert console.handle("1 two").startswith("! Please type numbers like 1 3")


def test_two_warning_signs_typed_with_a_space_never_read_as_go_ahead() -> None:
    """The reported bug, with the real content: `1 2` is chest pain and a swollen calf, not question 12."""
    result = run_bot("console", env=clean_env(), stdin="/safety\n1 2\n/safety\n1,2\n")
    assert result.returncode == 0, result.stderr
    answers = result.stdout.split("Which of these apply?")[1:]
    assert len(answers) == 2
    for answer in answers:
        assert "Get medical help now" in answer
        assert "Go ahead gently" not in answer
        assert "-- Chest pain or tightness, or sudden breathlessness --" in answer
        assert "-- One calf or thigh is swollen, warm, red or painful --" in answer


def test_options_typed_as_in_discord_or_plainly() -> None:
    lines = [
        "/tip topic:pressure",
        "/tip red flags",
        "/tip topic: Red_Flags",
        "/technique name:calf",
        "/faq question:can massage cause blood clots",
        "/config show",
        "/tips add",
    ]
    result = run_bot("console", env=clean_env(), stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    assert "== Tip · Pressure ==" in result.stdout
    assert result.stdout.count("== Tip · Red flags ==") == 2
    assert "Step 1 of" in result.stdout
    assert "! There is no" not in result.stdout
    assert "Unknown command" not in result.stdout
    assert "! /config is a moderator command: it needs a Discord server" in result.stdout
    assert "! /tips is a moderator command" in result.stdout


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
    result = run_bot("console", env=clean_env(), stdin="/tip\n/faq blood clots\n/technique calf\nnext\n")
    assert result.returncode == 0, result.stderr
    assert "== Tip · " in result.stdout
    assert "Step 2 of" in result.stdout
    assert "clot" in result.stdout.lower()


def test_a_newcomer_logs_sessions_waits_and_answers_check_ins_in_the_console(tmp_path: Path) -> None:
    """The member check-in commands run for real on a local SQLite file, with a clock `wait` moves."""
    lines = [
        "/session log area:calves intensity:firm checkin_in:24h note:after the run",
        "I agree",
        "/session upcoming",
        "wait 24h",
        "3",
        "/session log thighs medium 2h",
        "wait 2h",
        "2",
        "/session log feet light 90m",
        "time +90m",
        "1",
        "/session history",
        "/settings timezone name:Europe/Paris",
        "/settings quiet-hours start:22:00 end:07:30",
        "/mydata export",
    ]
    db = tmp_path / "kb.sqlite3"
    env = clean_env(KNEADBOT_DB=str(db), TMPDIR=str(tmp_path))  # the chart and export land in tmp_path
    result = run_bot("console", env=env, stdin="\n".join(lines) + "\n")
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "== Before your first session ==" in out
    assert "#1 · check-in on your calves (firm)" in out
    assert out.count("A check-in arrives by DM:") == 3
    assert "== How do your calves feel after yesterday's firm massage? ==" in out
    assert "Sorry this comes" not in out  # the clock stops at the check-in's time: it is not "late"
    assert "Answer with a number: 1. None  2. Mild  3. Moderate  4. Severe  5. Warning signs  6. Ask me later" in out
    assert "Unknown command" not in out
    chart = Path(out.split("Chart saved to ")[1].split()[0])
    assert chart.parent == tmp_path
    assert chart.read_bytes().startswith(b"\x89PNG")
    export = json.loads(Path(out.split("saved to ")[-1].split()[0]).read_text(encoding="utf-8"))
    assert export["member"]["timezone"] == "Europe/Paris"
    assert len(export["sessions"]) == 3
    assert "Your time zone is now Europe/Paris." in out
    assert "Quiet hours: 22:00–07:30." in out
    console_db = tmp_path / "kb.console.sqlite3"
    assert not db.exists()  # the console never writes into the bot's own database
    with closing(sqlite3.connect(console_db)) as conn:
        answers = conn.execute("SELECT soreness FROM answers ORDER BY checkin_id").fetchall()
        notes = conn.execute("SELECT note FROM sessions WHERE note IS NOT NULL").fetchall()
    assert answers == [(2,), (1,), (0,)]
    assert notes == [("after the run",)]


def test_warning_signs_in_a_console_check_in_send_the_member_to_care(tmp_path: Path) -> None:
    lines = ["/session log calves deep 1h", "agree", "wait 1h", "7", "5"]
    result = run_bot("console", env=clean_env(KNEADBOT_DB=str(tmp_path / "kb.sqlite3")), stdin="\n".join(lines))
    assert "! Answer with one number from 1 to 6" in result.stdout
    texts = load_content(Path(__file__).resolve().parents[1] / "content").checkins
    assert f"== {texts.warning_signs.title} ==" in result.stdout


def test_ctrl_c_leaves_quietly() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "console"],
        cwd=ROOT,
        env=clean_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(b"/help\n")
    process.stdin.flush()
    assert b"what kneadbot does" in process.stdout.readline() + process.stdout.read1(65536)  # the loop is reading
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert b"Traceback" not in err
    assert b"KeyboardInterrupt" not in err


def test_a_closed_output_pipe_ends_quietly() -> None:
    """`python -m bot console | head -1`: the reader goes away after one line."""
    command = f"yes /tip | head -2000 | {shlex.quote(sys.executable)} -m bot console | head -1"
    result = subprocess.run(  # noqa: S602 - a fixed pipeline, as an operator would type it
        command, shell=True, cwd=ROOT, env=clean_env(), capture_output=True, text=True, timeout=60, check=False
    )
    assert result.stdout.startswith("== Tip")
    assert result.stderr == ""


def test_ctrl_d_ends_the_prompt_line_in_a_terminal() -> None:
    pid, terminal = pty.fork()
    if pid == 0:  # the child: a real terminal on stdin and stdout, as an operator has
        os.chdir(ROOT)
        os.execve(sys.executable, [sys.executable, "-m", "bot", "console"], clean_env())  # noqa: S606
    output = b""
    try:
        output += _read_until(terminal, b"kneadbot> ")
        os.write(terminal, b"\x04")
        output += _read_until(terminal, None)
    finally:
        _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert output.rstrip(b" ").endswith(b"kneadbot> \r\n")
    assert b"Traceback" not in output


def _read_until(fd: int, marker: bytes | None) -> bytes:
    """Read the terminal until `marker` shows (or until it closes); generous bound, no timing assertion."""
    seen = b""
    deadline = 60.0
    while marker is None or marker not in seen:
        ready, _, _ = select.select([fd], [], [], deadline)
        if not ready:
            raise AssertionError(f"no output from the console for {deadline} s: {seen!r}")
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    return seen


def test_declining_consent_in_the_console_erases_the_held_session(tmp_path: Path) -> None:
    """The console says what Discord says, and it is true: nothing is left in the database."""
    lines = ["/session log area:calves intensity:firm note:after the run", "no thanks", "/mydata export"]
    env = clean_env(KNEADBOT_DB=str(tmp_path / "kb.sqlite3"), TMPDIR=str(tmp_path))
    result = run_bot("console", env=env, stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    assert "held for at most two hours" in result.stdout
    assert DECLINED in result.stdout
    with closing(sqlite3.connect(tmp_path / "kb.console.sqlite3")) as conn:
        assert conn.execute("SELECT count(*) FROM pending_logs").fetchall() == [(0,)]
        assert conn.execute("SELECT count(*) FROM members").fetchall() == [(0,)]
