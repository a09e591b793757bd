"""Checks on what a member gives /session log: the area and intensity choices and the free-text note.

Discord offers the choices as a list, but a request can bypass the client, so the service checks again.
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum
from typing import TypeVar

from bot.checkins.errors import BadNote
from bot.errors import BadInput
from bot.text_safety import BIDI_CONTROLS

NOTE_MAX_LENGTH = 200

Choice = TypeVar("Choice", bound=StrEnum)


def parse_choice(kind: type[Choice], value: Choice | str, *, what: str) -> Choice:
    """`value` as a member of `kind`, or BadInput listing the allowed values."""
    try:
        return kind(value.strip().lower() if isinstance(value, str) else value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise BadInput(f"Pick a {what} from the list: {allowed}.") from None


def clean_note(text: str | None, *, max_length: int = NOTE_MAX_LENGTH) -> str | None:
    """The note without control characters (line breaks become spaces); None when nothing is left."""
    kept = (" " if ch.isspace() else ch for ch in text or "")
    cleaned = "".join(ch for ch in kept if unicodedata.category(ch) != "Cc" and ch not in BIDI_CONTROLS).strip()
    if len(cleaned) > max_length:
        raise BadNote(max_length)
    return cleaned or None
