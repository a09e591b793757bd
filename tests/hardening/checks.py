"""What every hardening test asserts about the bot's side of the conversation.

- ``mention_problems``: no message the bot sends may ping @everyone, a role or a user, except the one
  deliberate ping of a member in their own check-in fallback (content exactly ``<@id>``).
- ``delivered_messages``: every check-in message stored in a DM at Discord, by the id its footer names.
- ``ErrorLog``: a logging handler that keeps every ERROR record, so a test can say "nothing was
  logged as an unhandled error" for exactly the stretch it covers.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from typing import Any

from tests.fakediscord import FakeDiscord, RecordedRequest

MESSAGE_CALLBACKS = {4, 7}  # CHANNEL_MESSAGE_WITH_SOURCE, UPDATE_MESSAGE
_MESSAGE_ROUTES = re.compile(r"^/(channels/\d+/messages(/\d+)?|webhooks/\d+/[^/]+(/messages/[^/]+)?)$")
_CALLBACK = re.compile(r"^/interactions/\d+/[^/]+/callback$")
_LONE_USER_PING = re.compile(r"^<@!?(\d+)>$")
FOOTER = re.compile(r"^Check-in #(\d+) ")
"""A check-in message's embed footer: how a member (and a test) tells which check-in it is."""


def message_bodies(request: RecordedRequest) -> Iterator[dict[str, Any]]:
    """The message payloads in a request: callback data, a follow-up, an edit or a channel message."""
    body = request.json
    if not isinstance(body, dict) or request.method not in ("POST", "PATCH"):
        return
    if _CALLBACK.match(request.path):
        if body.get("type") in MESSAGE_CALLBACKS and isinstance(body.get("data"), dict):
            yield body["data"]
    elif _MESSAGE_ROUTES.match(request.path):
        yield body


def mention_problems(requests: Iterable[RecordedRequest]) -> list[str]:
    problems = []
    for request in requests:
        for body in message_bodies(request):
            problem = _ping_problem(body)
            if problem:
                problems.append(f"{request.method} {request.path}: {problem}: {body.get('content')!r:.200}")
    return problems


def _ping_problem(body: dict[str, Any]) -> str | None:
    allowed = body.get("allowed_mentions")
    content = body.get("content") or ""
    if allowed is None:
        return "no allowed_mentions, so Discord parses every mention in the content" if content else None
    parse = set(allowed.get("parse") or ())
    if parse:
        return f"allowed_mentions parses {sorted(parse)}"
    if allowed.get("roles"):
        return "allowed_mentions pings roles"
    users = [int(u) for u in allowed.get("users") or ()]
    if users:
        lone = _LONE_USER_PING.match(content.strip())
        if lone is None or users != [int(lone[1])]:
            return f"allowed_mentions pings users {users} outside the one deliberate check-in ping"
    if allowed.get("replied_user"):
        return "allowed_mentions pings the replied-to user"
    return None


class ErrorLog(logging.Handler):
    """Keeps ERROR (and worse) records from every logger while attached to the root logger."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def since(self, start: int) -> list[str]:
        return [_describe(r) for r in self.records[start:]]


def _describe(record: logging.LogRecord) -> str:
    cause = f" <- {record.exc_info[1]!r}" if record.exc_info and record.exc_info[1] else ""
    return f"{record.levelname} {record.name}: {record.getMessage()}{cause}"


def delivered_messages(fake: FakeDiscord) -> list[tuple[int, int, int]]:
    """(check-in id, DM channel id, message id) for every check-in message stored at Discord."""
    found = []
    for channel_id in fake.store.dm_recipients:
        for message in fake.store.channel_messages.get(channel_id, []):
            [embed] = message["embeds"]
            match = FOOTER.match(embed["footer"]["text"])
            assert match is not None, embed
            found.append((int(match[1]), channel_id, int(message["id"])))
    return found
