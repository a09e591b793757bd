"""The offline console: the member commands typed at a terminal, answered with the same embeds as text.

It calls the same Library and services and renders the same embeds as the Discord cogs, so there is no
second copy of any logic. Options are typed as in Discord (`/tip topic:pressure`) or plainly
(`/tip pressure`). It reads piped input too and stops at its end, so it can be scripted:

    printf '/tip\n/faq blood clots\n' | python -m bot console
"""

from __future__ import annotations

import asyncio
import re
import shlex
import sys
from collections.abc import Callable, Iterable
from typing import TextIO

from bot.console_checkins import ConsoleCheckins
from bot.console_options import friendly_name, parse_options
from bot.errors import BadInput, KneadError
from bot.library.guides import StepCursor
from bot.library.library import Library
from bot.library.safety import assess
from bot.settings import Settings, load_settings
from bot.ui.embeds import faq_embed, faq_miss_embed, guide_page_embed, help_embed, safety_result_embed, tip_embed
from bot.ui.text import embed_to_text

CONSOLE_HELP = """Commands (the same as in Discord; options as name:value or plain words):
  /tip [topic]                      a safety tip, e.g. /tip topic:pressure or /tip pressure
  /faq <question>                   e.g. /faq can massage cause blood clots
  /technique <name>                 a guide, then type next, back or done
  /safety                           a quick check before a massage, answered with numbers: 1 3 or 1,3
  /session log <area> <intensity> [checkin_in] [note]
                                    e.g. /session log area:calves intensity:firm checkin_in:24h
  /session history | upcoming | cancel <checkin>
  /settings timezone <name>, /settings quiet-hours [start] [end]
  /mydata export | delete
  wait <duration>                   move the console's clock, e.g. wait 24h, to see a check-in arrive
  /help                             what kneadbot does
  quit                              leave (or Ctrl-D, or end of input)"""
MODERATOR_COMMANDS = {"/config", "/tips", "/daily-tip"}
SEPARATORS = re.compile(r"[\s,;]+")


class Console:
    """Turns one typed line into the text a member would see; keeps the open guide or safety check."""

    def __init__(self, library: Library, settings: Settings | None = None) -> None:
        self.library = library
        self._runner = asyncio.Runner()
        self.checkins = ConsoleCheckins(library, settings or load_settings(), self._runner)
        self._cursor: StepCursor | None = None
        self._awaiting_safety = False
        self._commands: dict[str, Callable[[str], str]] = {
            "/tip": self._tip,
            "/faq": self._faq,
            "/technique": self._technique,
            "/safety": self._safety,
            "/help": lambda _rest: embed_to_text(help_embed(self.library)) + "\n\n" + CONSOLE_HELP,
            "/session": self.checkins.session,
            "/settings": self.checkins.member_settings,
            "/mydata": self.checkins.mydata,
        }

    def close(self) -> None:
        """Close the database (if a check-in command opened it) and the event loop behind it."""
        try:
            self.checkins.close()
        finally:
            self._runner.close()

    def handle(self, line: str) -> str:
        """The reply to one line; errors a member may read are shown, like the bot's ephemeral replies."""
        line = line.strip()
        if not line:
            return ""
        try:
            return self._dispatch(line)
        except KneadError as error:
            return f"! {error}"

    def _dispatch(self, line: str) -> str:
        name, _, rest = line.partition(" ")
        name = name.lower()
        if name in {"wait", "time"}:
            return self.checkins.wait(rest)
        if self._awaiting_safety and not name.startswith("/"):
            return self._safety_answer(line)
        answer, self.checkins.waiting_for = self.checkins.waiting_for, None
        if answer is not None and not name.startswith("/"):
            return answer(line)
        if self._cursor is not None and name in {"next", "back", "done"}:
            return self._page(name)
        if name in MODERATOR_COMMANDS:
            return f"! {name} is a moderator command: it needs a Discord server, so the console cannot run it."
        command = self._commands.get(name)
        if command is None:
            return f"! Unknown command {shlex.quote(name[:40])}.\n{CONSOLE_HELP}"
        self._awaiting_safety = False
        return command(rest.strip())

    def _tip(self, text: str) -> str:
        topic = parse_options(text, ["topic"]).get("topic")
        if topic is not None:
            topic = friendly_name(topic, self.library.topics())
        return embed_to_text(tip_embed(self.library.pick_tip(topic)))

    def _faq(self, text: str) -> str:
        match = self.library.answer(parse_options(text, ["question"]).get("question", ""))
        if match.entry is None:
            return embed_to_text(faq_miss_embed(match.nearest))
        return embed_to_text(faq_embed(match.entry))

    def _technique(self, text: str) -> str:
        self._cursor = StepCursor(self.library.guide(parse_options(text, ["name"]).get("name", "")))
        return self._render_page()

    def _page(self, move: str) -> str:
        assert self._cursor is not None  # noqa: S101 - _dispatch only calls this with a guide open
        if move == "done":
            self._cursor = None
            return "Guide closed."
        if move == "next":
            self._cursor.next()
        else:
            self._cursor.back()
        return self._render_page()

    def _render_page(self) -> str:
        assert self._cursor is not None  # noqa: S101
        hint = "type next" if not self._cursor.is_last else "last step: type done"
        return f"{embed_to_text(guide_page_embed(self._cursor))}\n[{hint}, back or done]"

    def _safety(self, _rest: str) -> str:
        check = self.library.safety
        self._awaiting_safety = True
        numbered = "\n".join(f"  {n}. {q.label}" for n, q in enumerate(check.questions, start=1))
        return f"{check.intro}\n\nWhich of these apply? Type their numbers (like 1 3 or 1,3), or 'none':\n{numbered}"

    def _safety_answer(self, answer: str) -> str:
        check = self.library.safety
        self._awaiting_safety = False
        ticked = [check.questions[n - 1].id for n in safety_numbers(answer, len(check.questions))]
        return embed_to_text(safety_result_embed(assess(check, ticked), check))


def safety_numbers(answer: str, count: int) -> list[int]:
    """The ticked questions; spaces, commas or both separate them, and no number is ever dropped or merged.

    Why strict: reading "1 2" as 12, or skipping a number out of range, could turn two warning signs
    into "go ahead". Anything unreadable is refused, and the member is asked again.
    """
    if answer.strip().lower() in {"none", "0", "no"}:
        return []
    parts = [part for part in SEPARATORS.split(answer.strip()) if part]
    if not parts or not all(part.isdigit() for part in parts):
        raise BadInput("Please type numbers like 1 3 or 1,3, or 'none'. Nothing was checked: run /safety again.")
    numbers = [int(part) for part in parts]
    wrong = [str(n) for n in numbers if not 1 <= n <= count]
    if wrong:
        raise BadInput(
            f"Pick numbers from 1 to {count}: there is no question {', '.join(wrong)}. "
            "Nothing was checked: run /safety again."
        )
    return sorted(set(numbers))


def run_console(
    library: Library, lines: Iterable[str] | None = None, out: TextIO | None = None, settings: Settings | None = None
) -> None:
    """Read commands until `quit` or the end of input, printing each reply."""
    out = out or sys.stdout
    interactive = lines is None and sys.stdin.isatty()
    console = Console(library, settings)
    if interactive:
        print("kneadbot console (offline). Type /help, or quit to leave.", file=out)
    try:
        for line in lines if lines is not None else _stdin_lines(interactive, out):
            if line.strip().lower() in {"quit", "exit"}:
                break
            reply = console.handle(line)
            if reply:
                print(reply, end="\n\n", file=out, flush=True)
    finally:
        console.close()


def _stdin_lines(interactive: bool, out: TextIO) -> Iterable[str]:
    while True:
        try:
            line = input("kneadbot> ") if interactive else sys.stdin.readline()
        except EOFError:
            print(file=out)  # Ctrl-D: end the prompt's line, so the shell prompt starts on its own
            return
        if not interactive and line == "":
            return
        yield line
