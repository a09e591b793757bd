"""Message context-menu commands (right-click a message, Apps, a command): interaction type 2, command type 3.

Kept apart from actor.py so the fake's core stays as it was: these helpers only assemble the payload
Discord sends (the target message's id, and the message itself under ``resolved.messages``) from the
fake's own world, and push it like any other interaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .interactions import InteractionState, command_id_for
from .models import User
from .server import FakeDiscord

MESSAGE_COMMAND = 3


def message_command_payload(
    fake: FakeDiscord,
    name: str,
    message: Mapping[str, Any],
    *,
    user: User | None = None,
    locale: str = "en-US",
) -> dict[str, Any]:
    """What Discord sends when ``user`` runs message command ``name`` on ``message`` (a stored message)."""
    place = fake._place(user, int(message["channel_id"]), False)
    target = dict(message)
    data: dict[str, Any] = {
        "id": str(command_id_for(name)),  # a context-menu name has spaces: never split into subcommands
        "name": name,
        "type": MESSAGE_COMMAND,
        "target_id": str(target["id"]),
        "resolved": {"messages": {str(target["id"]): target}},
    }
    return fake._envelope(2, data, place, locale)


async def run_message_command(
    fake: FakeDiscord, name: str, message: Mapping[str, Any], *, user: User | None = None
) -> InteractionState:
    return await fake.send_interaction(message_command_payload(fake, name, message, user=user))
