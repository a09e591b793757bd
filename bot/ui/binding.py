"""Give a restart-safe button class the services its clicks need, without reaching into the client.

discord.py rebuilds a DynamicItem from a click with only the interaction in hand, so the services
must already be on the class. `bind` makes a subclass that carries them (declared on the item as
ClassVars typed with the Protocols of bot/ui/services.py); a cog registers the subclass with
`add_dynamic_items` in cog_load and removes it in cog_unload. Hand-written because discord.py has no
hook for this: `types.new_class` is how a subclass passes the `template` DynamicItem requires.
"""

from __future__ import annotations

import types
from typing import Any, TypeVar, cast

import discord

Item = TypeVar("Item", bound=type[discord.ui.DynamicItem[Any]])


def bind(item: Item, **services: object) -> Item:
    """A subclass of `item` whose clicks use `services`; each must be declared on `item` (or a base)."""
    declared = {name for klass in item.__mro__ for name in getattr(klass, "__annotations__", {})}
    if unknown := set(services) - declared:
        raise TypeError(f"{item.__name__} does not declare {sorted(unknown)}")
    template = item.__discord_ui_compiled_template__
    subclass = types.new_class(
        item.__name__, (item,), {"template": template}, lambda namespace: namespace.update(services)
    )
    return cast(Item, subclass)
