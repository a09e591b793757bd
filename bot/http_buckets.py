"""Keep discord.py's rate-limit bookkeeping cheap during a burst of DMs.

discord.py's HTTPClient keeps one rate-limit bucket per route and channel, and once it holds 256
it scans every bucket for idle ones each time it adds another. A check-in burst opens a new DM
channel (so a new bucket) per member, which makes that scan quadratic: measured in
bench/checkins_scale.py, the bot's cost per delivery climbs from 1.6 ms to ~4 ms over 10,000 DMs.

`amortise_bucket_sweep` makes one client sweep only when its bucket count has doubled since the
last sweep: idle buckets are still dropped, memory stays within twice the live buckets, and the
cost per request is O(1) on average (1.5 ms per delivery, flat). It replaces a private method of
one client instance, so it is opt-in (`KNEADBOT_AMORTISE_BUCKET_SWEEP=true`): a discord.py upgrade
could change what it relies on, which `requirements*.lock` (pinning discord.py) and
tests/test_http_buckets.py guard against. Reported upstream (draft: docs/upstream-discordpy-bucket-sweep.md);
remove it once discord.py is fixed.
"""

from __future__ import annotations

from discord.http import HTTPClient

MIN_SWEEP_SIZE = 256
"""discord.py's own threshold: below it nothing is swept."""


def amortise_bucket_sweep(http: HTTPClient) -> None:
    """Make `http` sweep idle rate-limit buckets only when their number has doubled since the last sweep."""
    buckets = http._buckets
    next_sweep_at = MIN_SWEEP_SIZE

    def sweep() -> None:
        nonlocal next_sweep_at
        if len(buckets) < next_sweep_at:
            return
        for key in [key for key, bucket in buckets.items() if bucket.is_inactive()]:
            del buckets[key]
        next_sweep_at = max(MIN_SWEEP_SIZE, 2 * len(buckets))

    http._try_clear_expired_ratelimits = sweep  # type: ignore[method-assign]
