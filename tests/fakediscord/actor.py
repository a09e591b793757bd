"""Acting as a Discord user: build and send interactions and messages to the bot.

Why a mixin of ``FakeDiscord``: the builders need the fake's world (guild config, DM
channels, synced command ids) to produce payloads consistent with what the REST side
answers, e.g. the DM channel id in an interaction equals the one ``create_dm`` returns.
"""

# ruff: noqa: ASYNC109  (helpers take ``timeout=`` like the rest of the fake's test API)

from __future__ import annotations

import copy
import time
from collections.abc import Mapping, Sequence
from typing import Any

from . import payloads
from .gateway import INTENT_DIRECT_MESSAGES, INTENT_GUILD_MESSAGES, INTENT_MESSAGE_CONTENT, Gateway
from .interactions import (
    InteractionState,
    OptionsArg,
    Place,
    base_payload,
    build_options,
    command_id_for,
    find_component,
    mark_focused,
    modal_submit_components,
    nest_subcommands,
)
from .models import Guild, InteractionReply, User
from .store import Store


class UserActions:
    """The ``slash``/``click``/``submit_modal``... half of ``FakeDiscord``."""

    bot: User
    guilds: dict[int, Guild]
    store: Store
    gateway: Gateway
    interactions: dict[int, InteractionState]

    @property
    def user(self) -> User:
        raise NotImplementedError

    @property
    def channel_id(self) -> int:
        raise NotImplementedError

    def locate(self, channel_id: int) -> tuple[Guild | None, Any]:
        raise NotImplementedError

    def dm_channel_payload(self, user: User) -> dict[str, Any]:
        raise NotImplementedError

    def _place(self, user: User | None, channel_id: int | None, dm: bool) -> Place:
        user = user or self.user
        self.store.users.setdefault(user.id, user)
        if dm:
            return Place(self.store.dm_channel_for(user.id), None, user)
        channel_id = channel_id or self.channel_id
        guild, where = self.locate(channel_id)
        if where is None:
            raise LookupError(f"channel {channel_id} is neither a configured guild channel nor a known DM")
        return Place(channel_id, guild, user)

    def _envelope(
        self, itype: int, data: dict[str, Any], place: Place, locale: str, message: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        dm = self.dm_channel_payload(place.user) if place.guild is None else {}
        return base_payload(itype, data, place, self.bot, dm_channel=dm, locale=locale, message=message)

    def _command_data(
        self, name: str, options: OptionsArg, place: Place, command_guild_id: int | None, ctype: int = 1
    ) -> dict[str, Any]:
        root, *path = name.split()
        resolved: dict[str, dict[str, Any]] = {}
        leaf = build_options(options, place, resolved)
        if command_guild_id is None and place.guild is not None:
            registered = self.store.commands.get(place.guild.id, [])
            if any(c["name"] == root for c in registered):
                command_guild_id = place.guild.id
        pool = self.store.commands.get(command_guild_id, [])
        command = next((c for c in pool if c["name"] == root), None)
        data: dict[str, Any] = {
            "id": command["id"] if command else str(command_id_for(root)),
            "name": root,
            "type": ctype,
        }
        opts = nest_subcommands(path, leaf)
        if opts:
            data["options"] = opts
        if resolved:
            data["resolved"] = resolved
        if command_guild_id is not None:
            data["guild_id"] = str(command_guild_id)
        return data

    def slash_payload(
        self,
        name: str,
        options: OptionsArg = None,
        *,
        user: User | None = None,
        channel_id: int | None = None,
        dm: bool = False,
        locale: str = "en-US",
        command_guild_id: int | None = None,
    ) -> dict[str, Any]:
        """A chat-input command (type 2). ``name`` may hold subcommands: ``"recipe add"``
        or ``"admin tips remove"``; ``options`` go on the innermost one (see
        ``interactions.build_options`` for value typing). Runs in ``fake.channel_id`` as
        ``fake.user`` unless told otherwise; ``dm=True`` uses the user's DM with the bot."""
        place = self._place(user, channel_id, dm)
        data = self._command_data(name, options, place, command_guild_id)
        return self._envelope(2, data, place, locale)

    def autocomplete_payload(
        self,
        name: str,
        options: OptionsArg,
        focused: str,
        *,
        user: User | None = None,
        channel_id: int | None = None,
        dm: bool = False,
        locale: str = "en-US",
        command_guild_id: int | None = None,
    ) -> dict[str, Any]:
        """An autocomplete request (type 4): like ``slash_payload``, with option ``focused``
        marked ``focused: true`` and its value sent as the typed string."""
        place = self._place(user, channel_id, dm)
        data = self._command_data(name, options, place, command_guild_id)
        if not mark_focused(data.setdefault("options", []), focused):
            raise ValueError(f"no option named {focused!r} to focus")
        return self._envelope(4, data, place, locale)

    def component_payload(
        self,
        message: InteractionReply | Mapping[str, Any],
        custom_id: str,
        *,
        values: Sequence[str] | None = None,
        user: User | None = None,
        locale: str = "en-US",
    ) -> dict[str, Any]:
        """A click on a button / choice in a select (type 3) on ``message`` (a message dict or
        an ``InteractionReply``). Fails like a real user would if the component is missing or
        disabled."""
        msg = message.message if isinstance(message, InteractionReply) else dict(message)
        if msg is None:
            raise ValueError("that reply created no message")
        current = copy.deepcopy(self.store.by_id.get(int(msg["id"]), msg))  # a snapshot, as sent
        component = find_component(current.get("components") or [], custom_id)
        if component is None:
            raise LookupError(f"no component with custom_id {custom_id!r} on message {msg['id']}")
        if component.get("disabled"):
            raise PermissionError(f"component {custom_id!r} is disabled; a user cannot use it")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component["type"]}
        if component.get("id") is not None:
            data["id"] = component["id"]
        if component["type"] != 2:
            data["values"] = list(values or [])
        elif values:
            raise ValueError("buttons carry no values")
        place = self._place(user, int(current["channel_id"]), False)
        if place.guild is None:
            recipient = self.store.dm_recipients.get(place.channel_id)
            place = Place(place.channel_id, None, user or self.store.user(recipient or self.user.id))
        return self._envelope(3, data, place, locale, message=current)

    def modal_submit_payload(
        self,
        modal: InteractionReply,
        values: Mapping[str, str | Sequence[str]],
        *,
        user: User | None = None,
    ) -> dict[str, Any]:
        """Submitting the modal the bot opened (type 5), mirroring its layout (rows or
        labels); ``values`` maps input ``custom_id`` to the typed text (or select values)."""
        if modal.type != 9:
            raise ValueError(f"reply type {modal.type} is not a modal")
        origin = self.interactions[modal.interaction_id]
        who = user or self.store.user(int(origin.user["id"]))
        place = Place(origin.channel_id, self.guilds.get(origin.guild_id or 0), who)
        data = {
            "custom_id": modal.data["custom_id"],
            "components": modal_submit_components(modal.data.get("components") or [], values),
        }
        locale = origin.payload.get("locale", "en-US")
        return self._envelope(5, data, place, locale, message=origin.payload.get("message"))

    async def send_interaction(self, payload: dict[str, Any], timeout: float = 30.0) -> InteractionState:
        """Push INTERACTION_CREATE to the connected client; the 3 s callback clock starts."""
        state = InteractionState(payload)
        self.interactions[state.id] = state
        await self.gateway.dispatch("INTERACTION_CREATE", payload, timeout)
        state.sent_at = time.monotonic()
        return state

    async def slash(self, name: str, options: OptionsArg = None, **kw: Any) -> InteractionState:
        return await self.send_interaction(self.slash_payload(name, options, **kw))

    async def autocomplete(self, name: str, options: OptionsArg, focused: str, **kw: Any) -> InteractionState:
        return await self.send_interaction(self.autocomplete_payload(name, options, focused, **kw))

    async def click(self, message: InteractionReply | Mapping[str, Any], custom_id: str, **kw: Any) -> InteractionState:
        return await self.send_interaction(self.component_payload(message, custom_id, **kw))

    async def submit_modal(
        self, modal: InteractionReply, values: Mapping[str, str | Sequence[str]], **kw: Any
    ) -> InteractionState:
        return await self.send_interaction(self.modal_submit_payload(modal, values, **kw))

    async def send_user_message(
        self,
        content: str,
        *,
        channel_id: int | None = None,
        user: User | None = None,
        dm: bool = False,
        timeout: float = 30.0,
    ) -> dict[str, Any]:
        """A user posts a message; the bot gets MESSAGE_CREATE only with the GUILD_MESSAGES
        (or, in DMs, DIRECT_MESSAGES) intent, and sees the content only with MESSAGE_CONTENT
        or when in a DM or mentioned, as on Discord. Returns the stored message."""
        place = self._place(user, channel_id, dm)
        message = self.store.create_message(place.channel_id, place.user, {"content": content}, [])
        data = dict(message)
        session = await self.gateway.wait_route(place.guild.id if place.guild is not None else None, timeout)
        intents = session.intents
        if not intents & (INTENT_GUILD_MESSAGES if place.guild is not None else INTENT_DIRECT_MESSAGES):
            return message
        mentioned = any(m["id"] == str(self.bot.id) for m in message["mentions"])
        if place.guild is not None and not intents & INTENT_MESSAGE_CONTENT and not mentioned:
            data |= {"content": "", "embeds": [], "attachments": [], "components": []}
        if place.guild is not None:
            data["guild_id"] = str(place.guild.id)
            member = place.guild.member(place.user.id)
            if member is not None:
                data["member"] = {k: v for k, v in payloads.member(member).items() if k != "user"}
        await self.gateway.dispatch("MESSAGE_CREATE", data, timeout)
        return message
