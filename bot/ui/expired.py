"""An answer for every click: components and forms the running bot can no longer serve.

discord.py silently drops a component click whose custom_id matches no view it holds in memory and
no registered `DynamicItem` (a menu sent before a restart, or by an older version of the bot), and a
form submitted after its `Modal` was forgotten; the member then sees "This interaction failed".
`answer_if_unclaimed` asks discord.py's own ViewStore, with the same lookups it uses to dispatch, and
answers those privately instead.

Why hand-written: discord.py has no hook for "nobody handled this"; its ViewStore lookups are the
only way to know, and they are made synchronously at dispatch time (see `KneadBot.dispatch`), before
a view's callback can stop the view and remove it from the store.

Private API: `is_claimed` reads ViewStore's `_views`, `_dynamic_items` and `_modals`, as in discord.py
2.7.1 (pinned by requirements.lock). tests/test_view_store_shape.py fails if an upgrade changes their
shape or the order in which discord.py routes a click; redo this module then.
"""

from __future__ import annotations

import asyncio
from typing import Any

import discord
from discord.ui.view import ViewStore

from bot.log import get_logger
from bot.ui.errors import reply_privately
from bot.ui.views import expired_text

log = get_logger(__name__)

COMMAND_OF_PREFIX = {
    "kb:guide:": "/technique",
    "kb:safety:": "/safety",
    "kb:ask:consent:": "/session log",
    "kb:ask:erase:": "/mydata delete",
    "kb:ask:tip-remove:": "/tips remove",
    "kb:tips:": "/tips list",
}
FORM_EXPIRED = "This form has expired, so nothing was saved. Run the command again."

_pending: set[asyncio.Task[None]] = set()


def is_claimed(store: ViewStore, interaction: discord.Interaction) -> bool:
    """Whether discord.py will hand this component click or form to a view, dynamic item or modal."""
    data = _data(interaction)
    custom_id = str(data.get("custom_id", ""))
    if interaction.type is discord.InteractionType.modal_submit:
        return custom_id in store._modals
    if any(pattern.fullmatch(custom_id) for pattern in store._dynamic_items):
        return True
    key = (int(data.get("component_type", 0)), custom_id)
    message_id = interaction.message.id if interaction.message is not None else None
    return key in store._views.get(message_id, {}) or key in store._views.get(None, {})


def expired_reply(interaction: discord.Interaction) -> str:
    if interaction.type is discord.InteractionType.modal_submit:
        return FORM_EXPIRED
    custom_id = str(_data(interaction).get("custom_id", ""))
    command = next((name for prefix, name in COMMAND_OF_PREFIX.items() if custom_id.startswith(prefix)), None)
    return expired_text(command or "the command")


def answer_if_unclaimed(store: ViewStore, interaction: discord.Interaction) -> None:
    """Call synchronously as the interaction is dispatched; schedules the private "expired" answer."""
    if interaction.type not in (discord.InteractionType.component, discord.InteractionType.modal_submit):
        return
    if is_claimed(store, interaction):
        return
    log.info("Answered a click on an expired menu (%s)", _data(interaction).get("custom_id"))
    task = asyncio.create_task(reply_privately(interaction, expired_reply(interaction)), name="expired-menu")
    _pending.add(task)
    task.add_done_callback(_pending.discard)


def _data(interaction: discord.Interaction) -> dict[str, Any]:
    return dict(interaction.data or {})
