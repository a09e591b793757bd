"""The amortised rate-limit sweep still drops idle buckets, but no longer rescans on every new one."""

from __future__ import annotations

from pathlib import Path

import pytest
from discord.http import HTTPClient, Ratelimit

from bot.app import KneadBot
from bot.http_buckets import MIN_SWEEP_SIZE, amortise_bucket_sweep
from tests.exts.harness import make_settings, real_library


class CountingRatelimit(Ratelimit):
    """A real discord.py bucket that counts how often the sweep asks whether it is idle."""

    checks = 0

    def is_inactive(self) -> bool:
        CountingRatelimit.checks += 1
        return super().is_inactive()


def fill(http: HTTPClient, count: int, *, idle: bool = False) -> None:
    for number in range(count):
        bucket = CountingRatelimit(http.max_ratelimit_timeout)
        if idle:
            bucket._last_request = bucket._loop.time() - 10 * 60  # idle longer than discord.py keeps a bucket
        http._buckets[f"POST /channels/{number}/messages{'-idle' if idle else ''}"] = bucket
        http._try_clear_expired_ratelimits()


async def test_a_burst_of_new_buckets_costs_linear_not_quadratic_checks() -> None:
    http = HTTPClient(loop=None)  # type: ignore[arg-type]  # no request is made
    amortise_bucket_sweep(http)
    CountingRatelimit.checks = 0
    fill(http, 5000)
    assert CountingRatelimit.checks < 4 * 5000  # discord.py's own sweep: ~12 million for 5,000 DMs
    assert len(http._buckets) == 5000  # active buckets are never dropped


async def test_idle_buckets_are_still_dropped() -> None:
    http = HTTPClient(loop=None)  # type: ignore[arg-type]
    amortise_bucket_sweep(http)
    fill(http, MIN_SWEEP_SIZE * 3, idle=True)
    assert len(http._buckets) < MIN_SWEEP_SIZE * 2


async def test_discord_py_still_has_what_the_patch_replaces() -> None:
    """Fails if a discord.py upgrade renames the sweep or the bucket map (then remove or redo the patch)."""
    http = HTTPClient(loop=None)  # type: ignore[arg-type]
    assert isinstance(http._buckets, dict)
    assert callable(http._try_clear_expired_ratelimits)
    assert "_try_clear_expired_ratelimits" in HTTPClient.get_ratelimit.__code__.co_names  # still the hook


@pytest.mark.parametrize("opted_in", [False, True])
def test_the_patch_is_installed_only_when_the_operator_opts_in(tmp_path: Path, opted_in: bool) -> None:
    bot = KneadBot(make_settings(tmp_path / "kb.sqlite3", amortise_bucket_sweep=opted_in), real_library())
    replaced = "_try_clear_expired_ratelimits" in vars(bot.http)
    assert replaced is opted_in
