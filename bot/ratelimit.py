"""Pace every REST request to Discord ahead of time, and optionally send it through an operator's proxy.

discord.py honours a global 429 only after it happens: a burst of check-ins sent 10 at a time drew
665-3,021 global 429s per 10,000 in a measurement (issue 12), and every 429 counts toward
Cloudflare's ban on invalid requests. So each request first takes a token from a leaky bucket
(aiolimiter, well kept and tiny) that lets one request through every 1/`per_second` seconds and
stores no burst: over any second at most `per_second` requests leave this process.

Discord's 50 requests/s is per bot token, across processes: with N processes, each gets 50/N
(KNEADBOT_GLOBAL_RATE), or all of them go through one HTTP rate-limit proxy (KNEADBOT_DISCORD_API_URL),
which then does the pacing for the token (docs/scaling.md).

Interaction responses and webhooks are not bound by the global limit, so they are never held back
behind a burst of deliveries (discord.py sends interaction responses through its webhook adapter,
not through HTTPClient.request, in any case).

The seam is `HTTPClient.request(route, **kwargs)`, the one method every bot REST call goes through,
replaced on this client's instance only; `Route.url`, `Route.path` and `Route.BASE` are read.
discord.py is pinned in requirements*.lock and tests/test_ratelimit_shape.py fails if that shape changes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiolimiter import AsyncLimiter
from discord.http import HTTPClient, Route

UNPACED_PREFIXES = ("/interactions/", "/webhooks/")
"""Routes Discord leaves out of the global rate limit."""

Request = Callable[..., Awaitable[Any]]


def strict_pace(per_second: float) -> AsyncLimiter:
    """One request every 1/`per_second` s and no stored burst, so no second ever holds more."""
    return AsyncLimiter(1, 1 / per_second)


def route_requests(http: HTTPClient, *, per_second: float, api_base: str | None = None) -> AsyncLimiter:
    """Make every REST request of `http` wait for its turn at `per_second`, and go to `api_base` if set.

    Returns the limiter, shared by everything this client sends.
    """
    limiter = strict_pace(per_second)
    send: Request = http.request

    async def paced(route: Route, **options: Any) -> Any:
        if api_base is not None:
            route.url = rebased(route.url, api_base)
        if not route.path.startswith(UNPACED_PREFIXES):
            await limiter.acquire()
        return await send(route, **options)

    http.request = paced  # type: ignore[method-assign]
    return limiter


def rebased(url: str, api_base: str) -> str:
    """`url` (built on discord.py's Route.BASE) on `api_base` instead, e.g. a proxy's /api/v10."""
    if url.startswith(Route.BASE):
        return api_base.rstrip("/") + url[len(Route.BASE) :]
    return url
