"""Three bot processes, one PostgreSQL, a budget each (KNEADBOT_GLOBAL_RATE=14): a burst of 300 due
check-ins reaches a fake enforcing Discord's 50 requests/s with no 429, each check-in exactly once.

Why 14 and not production's 48/3 = 16: the fake counts a request in the second its own event loop reads
it, and on a machine shared with the rest of the suite (load 6 and more) requests sent on time by three
processes arrive bunched: at 3 x 16 = 48/s, 2 of 312 once landed in a second that already held 50. At
3 x 14 = 42/s, 8 requests of slack absorb a stall of about 160 ms. Without budgets the three would send
at 48/s each, 144/s, and draw 429s by the hundred; the drain at 16/s each is measured in
bench/cluster_drain.py. See tests/cluster/burst.py for the set-up.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.backends import SKIP_REASON, server_url
from tests.cluster.burst import assert_shared_budget_held, drain_with_three_processes
from tests.fakediscord.global_limit import GlobalRateLimit
from tests.fakediscord.interceptors import InterceptingFakeDiscord

pytestmark = pytest.mark.skipif(server_url() is None, reason=SKIP_REASON)  # before npm ci runs


async def test_three_processes_with_a_budget_each_draw_no_429(postgres_location: str, tmp_path: Path) -> None:
    fake = InterceptingFakeDiscord(echo_messages=False)
    limit = GlobalRateLimit(per_second=50).install(fake)
    await fake.start()
    try:
        burst = await drain_with_three_processes(postgres_location, tmp_path, fake, limit, KNEADBOT_GLOBAL_RATE="14")
    finally:
        await fake.close()
    await assert_shared_budget_held(burst, postgres_location)
