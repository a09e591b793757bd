"""Three bot processes, one PostgreSQL, a budget each (KNEADBOT_GLOBAL_RATE=16, 48/3): a burst of 300
due check-ins reaches a fake enforcing Discord's 50 requests/s with no 429, each check-in exactly once.

Why 48/3 and not 50/3: a process paced at 50/3 sends one request every 60 ms, so some one-second windows
hold 17 of its requests, and three such processes 51. See tests/cluster/burst.py for the set-up.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.backends import SKIP_REASON, server_url
from tests.cluster.burst import assert_shared_budget_held, drain_with_three_processes
from tests.fakediscord.global_limit import GlobalRateLimit
from tests.fakediscord.interceptors import InterceptingFakeDiscord

pytestmark = pytest.mark.skipif(server_url() is None, reason=SKIP_REASON)  # before npm ci runs


async def test_three_processes_with_a_third_of_the_budget_each_draw_no_429(
    postgres_location: str, tmp_path: Path
) -> None:
    fake = InterceptingFakeDiscord(echo_messages=False)
    limit = GlobalRateLimit(per_second=50).install(fake)
    await fake.start()
    try:
        burst = await drain_with_three_processes(postgres_location, tmp_path, fake, limit, KNEADBOT_GLOBAL_RATE="16")
    finally:
        await fake.close()
    await assert_shared_budget_held(burst, postgres_location)
