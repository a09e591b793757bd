"""bot/ui/binding.py: a cog's button class carries the cog's services, and only ones it declares."""

from __future__ import annotations

import re

import pytest

from bot.ui.binding import bind
from bot.ui.checkin_buttons import CheckinButton


class NoCheckins:
    """Anything that fits the Protocol would do; the click path is tested through Discord elsewhere."""


async def test_a_bound_class_rebuilds_clicks_with_the_cogs_services() -> None:
    service, content = NoCheckins(), NoCheckins()
    bound = bind(CheckinButton, checkins=service, content=content)
    match = re.fullmatch(bound.__discord_ui_compiled_template__, "kb:ci:12:s2")
    assert match is not None

    item = await bound.from_custom_id(None, None, match)  # type: ignore[arg-type]

    assert (type(item), item.checkin_id, item.action) == (bound, 12, "s2")
    assert (item.checkins, item.content) == (service, content)
    assert bound.__discord_ui_compiled_template__ is CheckinButton.__discord_ui_compiled_template__
    assert {type(child) for child in bound.make_view(12).children} == {bound}  # what is sent is what is registered
    assert not hasattr(CheckinButton, "checkins")  # the class itself stays unbound


def test_binding_a_service_the_item_does_not_declare_is_refused() -> None:
    with pytest.raises(TypeError, match="does not declare"):
        bind(CheckinButton, checkins=NoCheckins(), database=NoCheckins())
