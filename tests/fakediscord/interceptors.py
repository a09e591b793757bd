"""A FakeDiscord that lets a test act at an exact point of a request: before Discord handles it, or
after the answer is ready but before the client has read it.

Why: some failures only matter at one precise moment, e.g. a bot process killed after Discord stored
its message but before the bot learned that it did. Hooks run inside the request, so the test acts
while the client is still waiting for its answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .models import RecordedRequest
from .server import FakeDiscord, Handler

BeforeHook = Callable[[RecordedRequest], Awaitable[web.StreamResponse | None]]
"""Runs before the request is handled; returning a response answers it instead (nothing is stored)."""
AfterHook = Callable[[RecordedRequest, web.StreamResponse], Awaitable[None]]
"""Runs once the request was handled (its effects are stored) and before the answer is sent."""


class InterceptingFakeDiscord(FakeDiscord):
    """``FakeDiscord`` plus ``before_request`` and ``after_response`` hooks (lists of coroutines)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.before_request: list[BeforeHook] = []
        self.after_response: list[AfterHook] = []

    async def _respond(
        self, request: web.Request, record: RecordedRequest, handler: Handler, bucket: str
    ) -> web.StreamResponse:
        for before in list(self.before_request):
            answer = await before(record)
            if answer is not None:
                return answer
        response = await super()._respond(request, record, handler, bucket)
        for after in list(self.after_response):
            await after(record, response)
        return response
