"""Pace every REST request to Discord ahead of time, and optionally send it through an operator's proxy.

discord.py honours a global 429 only after it happens: a burst of check-ins sent 10 at a time drew
665-3,021 global 429s per 10,000 in a measurement (issue 12), and every 429 counts toward
Cloudflare's ban on invalid requests. So each request first takes a token from a leaky bucket
(aiolimiter, well kept and tiny) that lets one request through every 1/`per_second` seconds and
stores no burst: over any second at most `per_second` requests leave this process.

The token is taken for each attempt on the wire, not for each call of discord.py's
`HTTPClient.request`: that method retries a 429 or a 5xx itself, and requests held behind its global
lock after a global 429 are let go all at once. Paced per call, those retries and that release went out
unpaced (a benchmark saw 61 requests in one second from three processes paced at 48/s in all, and
1,794 429s follow). The seam is an aiohttp `TraceConfig` whose `on_request_start` awaits the token:
aiohttp awaits it before every request its session sends, and discord.py takes one trace config for its
session (`Client(http_trace=...)`), so no discord.py method is replaced for the pacing.

Discord's 50 requests/s is per bot token, across processes: with N processes, each gets 50/N
(KNEADBOT_GLOBAL_RATE), or all of them go through one HTTP rate-limit proxy (KNEADBOT_DISCORD_API_URL),
which then does the pacing for the token (docs/scaling.md).

Interaction responses and webhooks are not bound by the global limit, so they are never held back
behind a burst of deliveries; neither is the gateway's websocket.

The proxy is the one use of `HTTPClient.request(route, **kwargs)`, the method every bot REST call goes
through, replaced on this client's instance only to move `Route.url` onto the proxy. discord.py is pinned
in requirements*.lock and tests/test_ratelimit_shape.py fails if either seam changes.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiolimiter import AsyncLimiter
from discord.http import HTTPClient, Route
from yarl import URL

UNPACED_PREFIXES = ("/interactions/", "/webhooks/")
"""Routes Discord leaves out of the global rate limit."""
API_PREFIX = re.compile(r"^.*?/api/v\d+")
"""What comes before a route in a REST URL: Discord's `/api/v10`, or a proxy's `.../api/v10`."""

Request = Callable[..., Awaitable[Any]]


def strict_pace(per_second: float) -> AsyncLimiter:
    """One request every 1/`per_second` s and no stored burst, so no second ever holds more."""
    return AsyncLimiter(1, 1 / per_second)


class Pacing(aiohttp.TraceConfig):
    """A trace config (give it to the client as `http_trace`) that holds every paced request until its
    turn at `per_second`, retries included, and holds it again while discord.py waits out a global 429.

    discord.py looks at its global-429 event once per call, before the request reaches this hook: a
    request already waiting here for its turn when a global 429 lands would otherwise go out inside the
    window Discord just closed (a review saw 8 of 13 do so). After its turn, a request that finds the
    window closed waits for it to open and takes a new turn, so the release is paced too.
    """

    def __init__(self, per_second: float) -> None:
        super().__init__()
        self._limiter = strict_pace(per_second)
        self._http: HTTPClient | None = None
        self.on_request_start.append(self._take_turn)

    def follow_global_limit(self, http: HTTPClient) -> None:
        """Wait out the global 429s `http` (the client this trace was given to) receives."""
        self._http = http

    async def _take_turn(self, _session: object, _context: object, request: aiohttp.TraceRequestStartParams) -> None:
        if not is_paced(request.url):
            return
        await self._limiter.acquire()
        while (window := self._closed_global_window()) is not None:
            await window.wait()
            await self._limiter.acquire()

    def _closed_global_window(self) -> asyncio.Event | None:
        """discord.py's global-429 event while it is cleared (a global 429 is being waited out).

        It is made anew at each login (`static_login`), so it is looked up on every request; before
        login it is a sentinel, not an event. tests/test_ratelimit_shape.py fails if it moves.
        """
        event = getattr(self._http, "_global_over", None)
        if isinstance(event, asyncio.Event) and not event.is_set():
            return event
        return None


def pacing(per_second: float) -> Pacing:
    """Pacing at `per_second` for one client: pass it as `http_trace`, then `follow_global_limit(client.http)`."""
    return Pacing(per_second)


def is_paced(url: URL) -> bool:
    """Whether the global limit covers a request to `url`: REST calls, but not interaction responses,
    webhooks or the gateway's websocket."""
    if url.scheme not in ("http", "https"):
        return False
    return not API_PREFIX.sub("", url.path, count=1).startswith(UNPACED_PREFIXES)


def route_requests(http: HTTPClient, *, api_base: str) -> None:
    """Send every REST request of `http` to `api_base` (an operator's rate-limit proxy) instead."""
    send: Request = http.request

    async def proxied(route: Route, **options: Any) -> Any:
        route.url = rebased(route.url, api_base)
        return await send(route, **options)

    http.request = proxied  # type: ignore[method-assign]


def rebased(url: str, api_base: str) -> str:
    """`url` (built on discord.py's Route.BASE) on `api_base` instead, e.g. a proxy's /api/v10."""
    if url.startswith(Route.BASE):
        return api_base.rstrip("/") + url[len(Route.BASE) :]
    return url
