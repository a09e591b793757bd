"""Interaction callbacks and the interaction webhook (follow-ups, @original edits).

Why model Discord's rules here: the bugs worth catching are protocol bugs. Discord answers
10062 "Unknown interaction" to a callback later than 3 s, 40060 to a second callback, and
10015 to a follow-up before any callback; the first follow-up after a deferral replaces
the "thinking..." message. ``with_response=1`` returns ``resource.message`` so discord.py
can bind Views to the message id.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .faults import error_response, json_response
from .interactions import InteractionState, reply_from_callback
from .models import RECORD

if TYPE_CHECKING:
    from .server import FakeDiscord

API = "/api/v10"
EPHEMERAL = 64
LOADING = 128


def add_routes(app: web.Application, fake: FakeDiscord) -> None:
    w = Webhooks(fake)
    add = app.router.add_route
    add("POST", API + "/interactions/{interaction_id:\\d+}/{token}/callback", w.callback)
    add("POST", API + "/webhooks/{app_id:\\d+}/{token}", w.followup)
    for method in ("GET", "PATCH", "DELETE"):
        add(method, API + "/webhooks/{app_id:\\d+}/{token}/messages/{message_id}", w.message)


class Webhooks:
    """Route handlers for the interaction token's endpoints (no bot token involved)."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake

    def _by_token(self, request: web.Request) -> InteractionState | None:
        if int(request.match_info["app_id"]) != self.fake.bot.id:
            return None
        token = request.match_info["token"]
        return next((s for s in self.fake.interactions.values() if s.token == token), None)

    def _interaction_fields(self, state: InteractionState, *, reply: bool) -> dict[str, Any]:
        """Keys Discord puts on messages created through an interaction."""
        payload = state.payload
        data = payload.get("data") or {}
        metadata: dict[str, Any] = {
            "id": str(state.id),
            "type": payload["type"],
            "user": state.user,
            "authorizing_integration_owners": payload.get("authorizing_integration_owners", {}),
        }
        fields: dict[str, Any] = {"webhook_id": str(self.fake.bot.id), "application_id": str(self.fake.bot.id)}
        if payload["type"] == 2:
            metadata |= {"name": data.get("name"), "command_type": data.get("type", 1)}
            fields["interaction"] = {"id": str(state.id), "type": 2, "name": data.get("name"), "user": state.user}
            if reply:
                fields["type"] = 20 if data.get("type", 1) == 1 else 23
        if "message" in payload:
            metadata["interacted_message_id"] = payload["message"]["id"]
        if state.original is not None and not reply:
            metadata["original_response_message_id"] = state.original["id"]
        fields["interaction_metadata"] = metadata
        return fields

    async def callback(self, request: web.Request) -> web.Response:
        fake, record = self.fake, request[RECORD]
        state = fake.interactions.get(int(request.match_info["interaction_id"]))
        if state is None or state.token != request.match_info["token"]:
            return error_response(404, 10062)
        late = time.monotonic() - state.sent_at
        if late > fake.interaction_deadline:
            fake.add_violation(record, f"callback {late:.2f}s after the interaction; Discord allows 3s (10062)")
            return error_response(404, 10062)
        if state.reply is not None:
            fake.add_violation(record, "interaction acknowledged twice (40060)")
            return error_response(400, 40060)
        body: dict[str, Any] = record.json or {}
        ctype = int(body.get("type", 0))
        data: dict[str, Any] = body.get("data") or {}
        ephemeral = bool(int(data.get("flags") or 0) & EPHEMERAL)
        message: dict[str, Any] | None = None
        if ctype in (4, 5):
            content = data if ctype == 4 else {"flags": (data.get("flags") or 0) | LOADING}
            message = fake.store.create_message(
                state.channel_id,
                fake.bot,
                content,
                record.files,
                store=not ephemeral,
                **self._interaction_fields(state, reply=True),
            )
            if ephemeral:
                fake.store.by_id[int(message["id"])] = message  # reachable via @original only
            state.original = message
        elif ctype in (6, 7):
            source = state.payload.get("message")
            if source is None:
                fake.add_violation(record, f"callback type {ctype} needs a component/modal interaction")
                return error_response(400, 50035, "Invalid Form Body")
            message = fake.store.by_id.get(int(source["id"])) or dict(source)
            if ctype == 7:
                fake.store.edit_message(message, data, record.files)
            ephemeral = bool(message.get("flags", 0) & EPHEMERAL)
            state.original = message
        state.reply = reply_from_callback(state, body, record.files, message if ctype in (4, 5, 7) else None)
        state.replied.set()
        if message is not None and not ephemeral and ctype in (4, 5, 7):
            await fake.echo_message(message, update=ctype == 7)
        if request.query.get("with_response", "").lower() not in ("1", "true"):
            return web.Response(status=204)
        interaction: dict[str, Any] = {"id": str(state.id), "type": state.payload["type"]}
        if message is not None:
            interaction |= {
                "response_message_id": message["id"],
                "response_message_loading": ctype == 5,
                "response_message_ephemeral": ephemeral,
            }
        answer: dict[str, Any] = {"interaction": interaction}
        if message is not None and ctype in (4, 7):  # a deferral (5) has no resource yet
            answer["resource"] = {"type": ctype, "message": message}
        return json_response(answer)

    async def followup(self, request: web.Request) -> web.Response:
        fake, record = self.fake, request[RECORD]
        state = self._by_token(request)
        if state is None or state.reply is None:
            if state is not None:
                fake.add_violation(record, "follow-up sent before the interaction was acknowledged")
            return error_response(404, 10015)
        body: dict[str, Any] = record.json or {}
        original = state.original
        if original is not None and original.get("flags", 0) & LOADING:
            # The first follow-up after a deferral edits the "thinking..." message.
            fake.store.edit_message(original, body, record.files)
            message = original
        else:
            ephemeral = bool(int(body.get("flags") or 0) & EPHEMERAL)
            message = fake.store.create_message(
                state.channel_id,
                fake.bot,
                body,
                record.files,
                store=not ephemeral,
                **self._interaction_fields(state, reply=False),
            )
            if ephemeral:
                fake.store.by_id[int(message["id"])] = message
            else:
                await fake.echo_message(message)
        state.followups.append(message)
        state.followup_added.set()
        if request.query.get("wait", "").lower() in ("1", "true"):
            return json_response(message)
        return web.Response(status=204)

    def _target(self, state: InteractionState, message_id: str) -> dict[str, Any] | None:
        if message_id == "@original":
            return state.original
        if state.original is not None and state.original["id"] == message_id:
            return state.original
        return next((m for m in state.followups if m["id"] == message_id), None)

    async def message(self, request: web.Request) -> web.Response:
        fake, record = self.fake, request[RECORD]
        state = self._by_token(request)
        if state is None:
            return error_response(404, 10015)
        target = self._target(state, request.match_info["message_id"])
        if target is None:
            return error_response(404, 10008)
        if request.method == "GET":
            return json_response(target)
        if request.method == "DELETE":
            fake.store.delete_message(int(target["id"]))
            return web.Response(status=204)
        fake.store.edit_message(target, record.json or {}, record.files)
        if not target.get("flags", 0) & EPHEMERAL:
            await fake.echo_message(target, update=True)
        return json_response(target)
