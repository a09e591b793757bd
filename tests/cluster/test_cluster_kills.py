"""Issue 12's kill proof: three real bot processes on one PostgreSQL, one of them SIGKILLed 20 times.

500 due check-ins (DMs, first DMs, and server-channel fallbacks handed between shards) and a daily
tip in each of 20 servers; at random moments of its sends (seeded: the seed is printed, and
KNEADBOT_CLUSTER_KILL_SEED replays one) a random process is killed and restarted. Afterwards each
check-in is stored at Discord exactly once, where its member sees it, and recorded as sent; no server
has two tips of the day. The scenario lives in tests/cluster/kills.py. PostgreSQL only: several
processes refuse SQLite.

The nonce-forgetting scenario is in test_cluster_kills_nonces.py: a file of its own, so pytest-xdist
(which keeps a file on one worker) runs the two side by side.

A day's tip whose resend after a crash is cut off by a second crash is taken up again by the next
process (test_a_tip_cut_off_twice_is_still_posted_that_day), so every server gets its tip.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from tests.cluster.kills import run_cluster_kills

pytestmark = pytest.mark.slow  # run first: tests/conftest.py


def kill_seed() -> int:
    chosen = os.environ.get("KNEADBOT_CLUSTER_KILL_SEED")
    return int(chosen) if chosen else random.SystemRandom().randrange(2**32)


async def test_three_processes_killed_twenty_times_deliver_everything_exactly_once(
    tmp_path: Path, postgres_location: str
) -> None:
    await run_cluster_kills(postgres_location, tmp_path, seed_value=kill_seed(), discord_forgets_nonces=False)


async def test_a_tip_cut_off_twice_is_still_posted_that_day(tmp_path: Path, postgres_location: str) -> None:
    """Shard 2's process dies as it sends its first tip, and its restart dies as it resends one: every
    server must still get today's tip once."""
    kills = [(0, 2, "before tip"), (0, 2, "before tip")]
    await run_cluster_kills(postgres_location, tmp_path, seed_value=0, discord_forgets_nonces=False, kills=kills)
