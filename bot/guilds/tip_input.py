"""Checks on what a moderator types into /tips add and /tips edit, before anything is stored.

Discord's modal enforces lengths in its client, but a request can bypass the client, so the bot checks
again. Text is stored as typed (mentions included): the UI escapes it when showing it, so it can never
ping. What is refused here is what no escaping can make safe or readable: control characters,
invisible reordering characters, links that are not plain https, and masked links (`[text](link)`),
which would show as literal brackets once escaped: better to say so while the moderator is typing.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from bot.guilds.errors import BadSource, BadTipText, BadTopic
from bot.guilds.models import TipFields
from bot.text_safety import BIDI_CONTROLS

TEXT_MIN_LENGTH = 10
TEXT_MAX_LENGTH = 1000
SOURCE_NAME_MAX_LENGTH = 100
SOURCE_URL_MAX_LENGTH = 300

_TOPIC = re.compile(r"[a-z0-9][a-z0-9-]{1,40}", re.ASCII)
_TOPIC_SEPARATORS = re.compile(r"[\s_-]+")
_MASKED_LINK = re.compile(r"\[[^\]]*\]\(\s*<?\s*[a-z][a-z0-9+.-]*:", re.IGNORECASE)
"""`[words](scheme:...)`: Discord shows only the words, so the address it leads to is hidden."""
MASKED_LINK_REFUSED = (
    "Tips can't contain masked links like [text](https://…), because readers can't see where they lead. "
    "Put the address in the source link instead."
)


def clean_tip(*, text: str, topic: str, source_name: str, source_url: str) -> TipFields:
    """All four fields checked and cleaned, or the first problem as a member-readable error."""
    return TipFields(
        text=clean_tip_text(text),
        topic=clean_topic(topic),
        source_name=clean_source_name(source_name),
        source_url=clean_source_url(source_url),
    )


def clean_tip_text(text: str) -> str:
    """The text stripped, tabs as spaces and Windows line breaks made plain; no other control characters."""
    cleaned = text.replace("\r\n", "\n").replace("\t", " ").strip()
    if _has_unsafe_characters(cleaned, allow_newlines=True):
        raise BadTipText("The tip contains invisible control characters. Please retype it as plain text.")
    if _MASKED_LINK.search(cleaned):
        raise BadTipText(MASKED_LINK_REFUSED)
    if not TEXT_MIN_LENGTH <= len(cleaned) <= TEXT_MAX_LENGTH:
        raise BadTipText(
            f"A tip needs {TEXT_MIN_LENGTH} to {TEXT_MAX_LENGTH:,} characters; this one has {len(cleaned):,}."
        )
    return cleaned


def clean_topic(topic: str) -> str:
    """A lowercase kebab id: "Pressure Tips" becomes "pressure-tips"; anything else is refused."""
    kebab = _TOPIC_SEPARATORS.sub("-", topic.strip().lower()).strip("-")
    if _TOPIC.fullmatch(kebab) is None:
        raise BadTopic()
    return kebab


def clean_source_name(name: str) -> str:
    cleaned = name.strip()
    if _has_unsafe_characters(cleaned, allow_newlines=False):
        raise BadSource("The source name must be one line of plain text.")
    if _MASKED_LINK.search(cleaned):
        raise BadSource("The source name must be plain text; put the address in the source link.")
    if not 1 <= len(cleaned) <= SOURCE_NAME_MAX_LENGTH:
        raise BadSource(f"Name the source in 1 to {SOURCE_NAME_MAX_LENGTH} characters.")
    return cleaned


def clean_source_url(url: str) -> str:
    """An https link to a named host, with no spaces and no user name in it (a classic disguise)."""
    cleaned = url.strip()
    if not cleaned.lower().startswith("https://"):
        raise BadSource("The source link must start with https://")
    cleaned = "https://" + cleaned[len("https://") :]
    if len(cleaned) > SOURCE_URL_MAX_LENGTH:
        raise BadSource(f"The source link must be at most {SOURCE_URL_MAX_LENGTH} characters.")
    if any(ch.isspace() for ch in cleaned) or _has_unsafe_characters(cleaned, allow_newlines=False):
        raise BadSource("The source link must not contain spaces or invisible characters.")
    if not _is_plain_web_address(cleaned):
        raise BadSource("The source link must be a plain web address, such as https://www.nhs.uk/...")
    return cleaned


def _is_plain_web_address(url: str) -> bool:
    try:
        parts = urlsplit(url)
        return bool(parts.hostname) and "@" not in parts.netloc
    except ValueError:  # e.g. a malformed IPv6 host or port
        return False


def _has_unsafe_characters(text: str, *, allow_newlines: bool) -> bool:
    for ch in text:
        if ch == "\n" and allow_newlines:
            continue
        if unicodedata.category(ch) in {"Cc", "Cs"} or ch in BIDI_CONTROLS:
            return True
    return False
