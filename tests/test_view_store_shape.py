"""bot/ui/expired.py and KneadBot.dispatch read discord.py's private ViewStore (`_views`, `_dynamic_items`,
`_modals`) and rely on discord.py offering a click to its views before dispatching "interaction".
requirements.lock pins discord.py 2.7.1; these tests fail if an upgrade changes any of that (then redo
`is_claimed` against the new store, or drop it if discord.py gains a hook for unhandled clicks)."""

from __future__ import annotations

import inspect
from types import SimpleNamespace
from typing import Any, cast

import discord
from discord.state import ConnectionState
from discord.ui.view import ViewStore

from bot.ui.confirm import ConfirmButton
from bot.ui.expired import is_claimed

BUTTON = discord.ComponentType.button.value


def click(custom_id: str, message_id: int | None = 1, *, modal: bool = False) -> discord.Interaction:
    """Only what `is_claimed` reads of an interaction; the store under test is discord.py's real one."""
    kind = discord.InteractionType.modal_submit if modal else discord.InteractionType.component
    message = SimpleNamespace(id=message_id) if message_id is not None else None
    data = {"custom_id": custom_id, "component_type": BUTTON}
    return cast(discord.Interaction, SimpleNamespace(type=kind, data=data, message=message))


def real_store() -> ViewStore:
    client = discord.Client(intents=discord.Intents.none())
    return cast(Any, client)._connection._view_store


class Form(discord.ui.Modal, title="A form"):
    text: discord.ui.TextInput[Any] = discord.ui.TextInput(label="Text")


async def test_the_private_store_still_has_the_shape_is_claimed_reads() -> None:
    store = real_store()
    assert isinstance(store._views, dict)
    assert isinstance(store._dynamic_items, dict)
    assert isinstance(store._modals, dict)


async def test_is_claimed_sees_views_dynamic_items_and_modals_in_the_real_store() -> None:
    store = real_store()
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label="x", custom_id="kb:test:live"))
    store.add_view(view, 42)
    store.add_dynamic_items(ConfirmButton)
    form = Form(timeout=None, custom_id="kb:test:form")
    store.add_view(form)

    assert is_claimed(store, click("kb:test:live", 42))
    assert not is_claimed(store, click("kb:test:live", 43))  # a view kept for another message
    assert is_claimed(store, click("kb:ask:erase:1:0:29540700:yes"))  # a dynamic item's template
    assert not is_claimed(store, click("kb:ask:erase:1:0:yes"))  # an old custom_id: nobody serves it
    assert is_claimed(store, click("kb:test:form", None, modal=True))
    assert not is_claimed(store, click("kb:test:gone", None, modal=True))


def test_discord_py_offers_a_click_to_its_views_before_dispatching_interaction() -> None:
    """KneadBot.dispatch checks the store when "interaction" is dispatched: that must come after routing."""
    source = inspect.getsource(ConnectionState.parse_interaction_create)
    routed = max(source.index("dispatch_view"), source.index("dispatch_modal"))
    assert routed < source.index("self.dispatch('interaction'")
    assert discord.__version__ == "2.7.1"  # the version these private names were checked against
