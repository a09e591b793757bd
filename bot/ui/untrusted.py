"""Showing text that a server's moderators wrote (server tips, their sources) without letting it deceive.

Such text is shown as typed but can neither ping anyone nor hide a link: discord.py's escape helpers
turn a masked link `[NHS advice](https://evil.example)` into literal text (the address stays visible)
and mentions into plain text. A link a moderator gives as a source is shown written out, never behind
a name of their choosing.
"""

from __future__ import annotations

from discord.utils import escape_markdown, escape_mentions

from bot.guilds.models import TIP_ID_PREFIX
from bot.library.models import Tip


def safe_text(text: str) -> str:
    """Text as typed, unable to ping, break formatting or mask a link."""
    return escape_mentions(escape_markdown(text))


def is_server_tip(tip: Tip) -> bool:
    """A server's own tip (written by its moderators) rather than one of our checked built-in tips."""
    return tip.id.startswith(TIP_ID_PREFIX)


def plain_source(name: str, url: str | None) -> str:
    """`NHS · https://…`: the reader sees where the link goes before they click it (name alone without one)."""
    return safe_text(name) if url is None else f"{safe_text(name)} · {url}"
