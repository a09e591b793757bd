"""The offline console: the member commands typed at a terminal, answered with the same embeds as text.

It calls the same Library and renders the same embeds as the Discord cogs, so there is no second copy
of any logic. It reads piped input too and stops at its end, so it can be scripted:

    printf '/tip\n/faq blood clots\n' | python -m bot
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable, Iterable
from typing import TextIO

from bot.errors import BadInput, KneadError
from bot.library.guides import StepCursor
from bot.library.library import Library
from bot.library.safety import assess
from bot.ui.embeds import faq_embed, faq_miss_embed, guide_page_embed, help_embed, safety_result_embed, tip_embed
from bot.ui.text import embed_to_text

CONSOLE_HELP = """Commands (the same as in Discord):
  /tip [topic]          a safety tip, e.g. /tip pressure
  /faq <question>       e.g. /faq can massage cause blood clots
  /technique <name>     a guide, then type next, back or done
  /safety               a quick check before a massage
  /help                 what kneadbot does
  quit                  leave (or end of input)"""


class Console:
    """Turns one typed line into the text a member would see; keeps the open guide or safety check."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self._cursor: StepCursor | None = None
        self._awaiting_safety = False
        self._commands: dict[str, Callable[[str], str]] = {
            "/tip": self._tip,
            "/faq": self._faq,
            "/technique": self._technique,
            "/safety": self._safety,
            "/help": lambda _rest: embed_to_text(help_embed(self.library)) + "\n\n" + CONSOLE_HELP,
        }

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
        if self._awaiting_safety and not name.startswith("/"):
            return self._safety_answer(line)
        if self._cursor is not None and name.lower() in {"next", "back", "done"}:
            return self._page(name.lower())
        command = self._commands.get(name.lower())
        if command is None:
            return f"! Unknown command {shlex.quote(name[:40])}.\n{CONSOLE_HELP}"
        self._awaiting_safety = False
        return command(rest.strip())

    def _tip(self, topic: str) -> str:
        return embed_to_text(tip_embed(self.library.pick_tip(topic or None)))

    def _faq(self, question: str) -> str:
        match = self.library.answer(question)
        if match.entry is None:
            return embed_to_text(faq_miss_embed(match.nearest))
        return embed_to_text(faq_embed(match.entry))

    def _technique(self, name: str) -> str:
        self._cursor = StepCursor(self.library.guide(name))
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
        return f"{check.intro}\n\nWhich of these apply? Type their numbers separated by commas, or 'none':\n{numbered}"

    def _safety_answer(self, answer: str) -> str:
        check = self.library.safety
        self._awaiting_safety = False
        if answer.strip().lower() in {"none", "0"}:
            ticked: list[str] = []
        else:
            try:
                numbers = [int(part) for part in answer.replace(" ", "").split(",") if part]
            except ValueError:
                raise BadInput("Please type numbers like 1,3 or 'none'. Run /safety to start again.") from None
            if not numbers or any(not 1 <= n <= len(check.questions) for n in numbers):
                raise BadInput(f"Pick numbers from 1 to {len(check.questions)}. Run /safety to start again.")
            ticked = [check.questions[n - 1].id for n in numbers]
        return embed_to_text(safety_result_embed(assess(check, ticked), check))


def run_console(library: Library, lines: Iterable[str] | None = None, out: TextIO | None = None) -> None:
    """Read commands until `quit` or the end of input, printing each reply."""
    out = out or sys.stdout
    interactive = lines is None and sys.stdin.isatty()
    console = Console(library)
    if interactive:
        print("kneadbot console (no DISCORD_TOKEN set). Type /help, or quit to leave.", file=out)
    for line in lines if lines is not None else _stdin_lines(interactive):
        if line.strip().lower() in {"quit", "exit"}:
            break
        reply = console.handle(line)
        if reply:
            print(reply, end="\n\n", file=out, flush=True)


def _stdin_lines(interactive: bool) -> Iterable[str]:
    while True:
        try:
            line = input("kneadbot> ") if interactive else sys.stdin.readline()
        except EOFError:
            return
        if not interactive and line == "":
            return
        yield line
