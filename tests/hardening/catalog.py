"""Every slash command the real bot registers, read from its command tree as Discord receives it.

Why from the tree: the fuzz and security tests then cover a command the day it is added, with the
option types, choices and limits it declares, without anyone editing a list.
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.exts.harness import TestKneadBot, make_settings, real_library

SUBCOMMAND, SUBCOMMAND_GROUP = 1, 2
CONTEXT_BOT_DM = 1


@dataclass(frozen=True)
class Option:
    """One option of a slash command, with the limits Discord's client would enforce."""

    name: str
    type: int  # 3 string, 4 integer, 5 boolean, 6 user, 7 channel, 8 role, 9 mentionable, 10 number, 11 file
    required: bool
    choices: tuple[Any, ...]
    min_value: float | None
    max_value: float | None
    min_length: int | None
    max_length: int | None
    autocomplete: bool
    channel_types: tuple[int, ...]

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> Option:
        return cls(
            name=data["name"],
            type=data["type"],
            required=bool(data.get("required")),
            choices=tuple(c["value"] for c in data.get("choices") or ()),
            min_value=data.get("min_value"),
            max_value=data.get("max_value"),
            min_length=data.get("min_length"),
            max_length=data.get("max_length"),
            autocomplete=bool(data.get("autocomplete")),
            channel_types=tuple(data.get("channel_types") or ()),
        )


@dataclass(frozen=True)
class SlashCommand:
    name: str  # as typed, subcommands included: "session log"
    options: tuple[Option, ...]
    works_in_dms: bool
    for_moderators: bool  # hidden behind a default permission (Manage Server)

    @property
    def family(self) -> str:
        return self.name.split()[0]


def _walk(data: dict[str, Any], prefix: str, top: dict[str, Any]) -> list[SlashCommand]:
    options = data.get("options") or []
    nested = [o for o in options if o["type"] in (SUBCOMMAND, SUBCOMMAND_GROUP)]
    if nested:
        return [c for o in nested for c in _walk(o, f"{prefix}{o['name']} ", top)]
    contexts = top.get("contexts")
    return [
        SlashCommand(
            name=prefix.strip(),
            options=tuple(Option.from_payload(o) for o in options),
            works_in_dms=contexts is None or CONTEXT_BOT_DM in contexts,
            for_moderators=top.get("default_member_permissions") is not None,
        )
    ]


async def _collect() -> tuple[SlashCommand, ...]:
    bot = TestKneadBot(make_settings(Path(":memory:")), real_library(), background_jobs=False)
    try:
        await bot.setup_hook()  # loads every extension, exactly as at start-up
        found = []
        for command in bot.tree.get_commands():
            data = command.to_dict(bot.tree)
            if data.get("type", 1) == 1:
                found += _walk(data, f"{data['name']} ", data)
        return tuple(sorted(found, key=lambda c: c.name))
    finally:
        await bot.close()


@functools.cache
def slash_commands() -> tuple[SlashCommand, ...]:
    """Read once per test run (at collection, before any test's event loop exists)."""
    return asyncio.run(_collect())


def families() -> list[str]:
    return sorted({c.family for c in slash_commands()})
