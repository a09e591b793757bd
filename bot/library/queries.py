"""Checks on text a member typed, shared by every command that takes free text.

Discord enforces option lengths in its client, but a request can bypass that, so the bot checks again.
"""

from __future__ import annotations

import unicodedata

from bot.errors import BadInput

MAX_QUERY_LENGTH = 100
"""Longest query we search for: the longest question or name in the content is shorter."""


def clean_query(text: str | None, *, what: str, max_length: int = MAX_QUERY_LENGTH) -> str:
    """Return `text` without control characters and surrounding space, or raise BadInput."""
    cleaned = "".join(ch for ch in (text or "") if unicodedata.category(ch)[0] != "C").strip()
    if not cleaned:
        raise BadInput(f"Please type a {what}.")
    if len(cleaned) > max_length:
        raise BadInput(f"That {what} is too long: please keep it under {max_length} characters.")
    return cleaned
