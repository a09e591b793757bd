"""Errors whose message a member may read.

Services raise these; the global app-command error handler (and the console) show `str(error)` as it
is, so every message here is written for a member, never contains a traceback, and never echoes
unescaped user text.
"""

from __future__ import annotations


class KneadError(Exception):
    """Base for every error whose text is safe and useful to show to a member."""


class BadInput(KneadError):
    """The member typed something we cannot use: empty, too long, or the wrong shape."""


class NotFound(KneadError):
    """The member asked for a topic, question or guide that does not exist."""


class DatabaseBusy(KneadError):
    """Another writer held the database past the busy timeout; nothing of this request was saved."""

    def __init__(self) -> None:
        super().__init__("The database is busy; try again in a moment.")
