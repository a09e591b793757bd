"""Reading a console line's options the way Discord's command box shows them, plus friendlier forms.

`/tip topic:pressure`, `/tip pressure` and `/tip red flags` all mean the same; so do
`/session log area:calves intensity:firm checkin_in:1d` and `/session log calves firm 1d`.
Hand-written (a few lines of splitting) because Discord's `name:value` form is not a shell syntax
that shlex or argparse read: values hold spaces and the option names are known per command.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.errors import BadInput


def parse_options(text: str, names: Sequence[str], *, rest_of_line: str | None = None) -> dict[str, str]:
    """Options of one command: `name:value` anywhere, and bare words filling the others in order.

    `rest_of_line` is the option that takes all remaining bare words (free text such as a question or
    a note); the other bare words take one word each, in the order of `names`.
    """
    if not names:
        return {}
    marker = re.compile(r"(?:^|\s)(" + "|".join(re.escape(n) for n in names) + r")\s*:", re.IGNORECASE)
    pieces = marker.split(text)
    options: dict[str, str] = {}
    for name, value in zip(pieces[1::2], pieces[2::2], strict=True):
        key = name.lower()
        if key in options:
            raise BadInput(f"The option {key} is given twice.")
        options[key] = value.strip()
    _fill_bare_words(pieces[0].split(), names, options, rest_of_line)
    return {key: value for key, value in options.items() if value}


def _fill_bare_words(words: list[str], names: Sequence[str], options: dict[str, str], rest: str | None) -> None:
    free = [name for name in names if name not in options]
    for name in free:
        if not words:
            return
        if name == rest or name == free[-1]:
            options[name] = " ".join(words)
            return
        options[name] = words.pop(0)


def friendly_name(value: str, known: Sequence[str]) -> str:
    """`red flags`, `Red_Flags` and `red-flags` all name the topic `red-flags`; unknown values pass through."""
    wanted = _squash(value)
    return next((name for name in known if _squash(name) == wanted), value)


def _squash(text: str) -> str:
    return re.sub(r"[\s_-]+", "-", text.strip().lower())
