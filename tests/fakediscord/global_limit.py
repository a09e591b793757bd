"""Discord's global rate limit on the fake: at most `per_second` bot requests in each one-second window.

Why: a client that only reacts to 429s still sends them, and each one counts toward Cloudflare's
ban on invalid requests. With this on an ``InterceptingFakeDiscord`` a test counts the requests that
arrived in every second and the 429s it had to answer, instead of timing anything. Requests over
the budget get a global 429 shaped like Discord's (``X-RateLimit-Global``, ``retry_after`` until the
window ends). Interaction callbacks and webhooks are exempt, as on Discord. ``latency_seconds``
makes every answer take a realistic round trip (for the benchmarks).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from typing import Self

from aiohttp import web

from .faults import Fault
from .interceptors import InterceptingFakeDiscord
from .models import RecordedRequest

EXEMPT_PREFIXES = ("/interactions/", "/webhooks/")


class GlobalRateLimit:
    """Counts bot requests per whole second of arrival and answers a global 429 over `per_second`."""

    def __init__(self, per_second: int = 50, *, latency_seconds: float = 0.0) -> None:
        self.per_second, self.latency_seconds = per_second, latency_seconds
        self.arrivals: Counter[int] = Counter()
        """Requests that arrived in each second (by `time.monotonic()`), rejected ones included."""
        self.rejected = 0

    def install(self, fake: InterceptingFakeDiscord) -> Self:
        fake.before_request.append(self._before)
        return self

    @property
    def busiest_second(self) -> int:
        return max(self.arrivals.values(), default=0)

    async def _before(self, record: RecordedRequest) -> web.StreamResponse | None:
        if record.path.startswith(EXEMPT_PREFIXES):
            return None
        arrived = time.monotonic()
        window = int(arrived)
        self.arrivals[window] += 1
        if self.latency_seconds:
            await asyncio.sleep(self.latency_seconds)
        if self.arrivals[window] <= self.per_second:
            return None
        self.rejected += 1
        wait = max(0.001, window + 1 - arrived)
        return Fault("*", re.compile(""), 429, retry_after=wait, global_=True).response("global")
