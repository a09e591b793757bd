"""Three bot processes, one PostgreSQL, all behind one @discordjs/proxy (KNEADBOT_DISCORD_API_URL): the
proxy, not the processes, shares Discord's 50 requests/s, so each process keeps the default pace of 48/s
(144/s offered together). A burst of 300 due check-ins reaches a fake enforcing 50 requests/s with no
429, each check-in exactly once. The proxy is the one pinned in tests/proxy (installed with `npm ci`
there when missing; the test skips, saying why, only without npm or node). Set-up: tests/cluster/burst.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.backends import SKIP_REASON, server_url
from tests.cluster.burst import assert_shared_budget_held, drain_with_three_processes
from tests.fakediscord.global_limit import GlobalRateLimit
from tests.fakediscord.interceptors import InterceptingFakeDiscord
from tests.proxy.test_proxy import DISCORD_PY_AGENT, installed_proxy, proxy_in_front_of

__all__ = ["installed_proxy"]  # the fixture, used by name below

pytestmark = pytest.mark.skipif(server_url() is None, reason=SKIP_REASON)  # before npm ci runs

PROXY_RATE = 25
"""The proxy's own global limit: half of Discord's. @discordjs/proxy lets its whole allowance out at the
start of each of its own one-second windows, which are not Discord's: with any delay on the way, the end
of one burst and the start of the next land in one of Discord's seconds. At 50, and at 48 on a loaded
machine (two 429s in one run), that drew global 429s; at 25, two bursts make at most 50."""


async def test_three_processes_behind_one_proxy_draw_no_429(
    installed_proxy: Path, postgres_location: str, tmp_path: Path
) -> None:
    fake = InterceptingFakeDiscord(echo_messages=False)
    limit = GlobalRateLimit(per_second=50).install(fake)
    await fake.start()
    try:
        async with proxy_in_front_of(fake, installed_proxy, per_second=PROXY_RATE) as api_base:
            burst = await drain_with_three_processes(
                postgres_location, tmp_path, fake, limit, KNEADBOT_DISCORD_API_URL=api_base
            )
    finally:
        await fake.close()
    await assert_shared_budget_held(burst, postgres_location)
    agents = {r.headers.get("User-Agent", "") for r in fake.requests}
    assert agents and not any(DISCORD_PY_AGENT in agent for agent in agents), "a request bypassed the proxy"
