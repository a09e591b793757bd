"""Characters no free text from a member or moderator should carry, whatever it is for.

Each feature decides what to do with them (a note drops them, a server tip is refused), but the list
of what is unsafe is kept here once, so the two can never disagree.
"""

from __future__ import annotations

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Invisible characters that reorder the text around them, so text can read differently than typed."""
