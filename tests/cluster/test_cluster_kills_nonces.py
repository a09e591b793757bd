"""Issue 12's kill proof with Discord forgetting every nonce at each kill (scenario in tests/cluster/kills.py).

Beside test_cluster_kills.py in a file of its own, so pytest-xdist runs the two scenarios side by side.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cluster.kills import run_cluster_kills
from tests.cluster.test_cluster_kills import kill_seed

pytestmark = pytest.mark.slow  # run first: tests/conftest.py


async def test_with_nonces_forgotten_at_each_kill_nothing_arrives_twice(tmp_path: Path, postgres_location: str) -> None:
    """The same 20 kills, and at each one Discord forgets every nonce while the dead process's claims
    age past the bot's nonce window: recovered check-ins are found by searching the channel, also
    when the recovery hands one to its server's shard (test below)."""
    await run_cluster_kills(
        postgres_location,
        tmp_path,
        seed_value=kill_seed(),
        discord_forgets_nonces=True,
    )


async def test_a_recovered_check_in_handed_over_is_not_posted_twice(tmp_path: Path, postgres_location: str) -> None:
    """Shard 2's process dies just after Discord stored a check-in in its server's channel and stays
    down until another process took the row over; Discord has forgotten the nonce by then. The other
    process cannot see that channel and hands the row to shard 2; shard 2's restart must find the
    message there rather than post it again (a handed-over row is searched for before it is posted)."""
    await run_cluster_kills(
        postgres_location,
        tmp_path,
        seed_value=0,
        discord_forgets_nonces=True,
        kills=[(0, 2, "after server")],
        slow_restart=True,
    )
