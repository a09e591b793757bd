"""Render embeds as plain text for the console, so it shows exactly what Discord would."""

from __future__ import annotations

import re

import discord

_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")


def embed_to_text(embed: discord.Embed) -> str:
    parts: list[str] = []
    if embed.title:
        parts.append(f"== {embed.title} ==")
    if embed.description:
        parts.append(_plain(embed.description))
    for field in embed.fields:
        parts.append(f"-- {field.name} --\n{_plain(field.value or '')}")
    if embed.footer.text:
        parts.append(f"({embed.footer.text})")
    return "\n".join(parts)


def _plain(text: str) -> str:
    """Markdown links become `name <url>`, which a terminal shows better than `[name](url)`."""
    return _LINK.sub(r"\1 <\2>", text)
