"""SIGKILL during delivery while Discord has forgotten every nonce: the channel search alone prevents doubles.

Its own file (the scenario lives in test_crash_kill.py) so that pytest-xdist, which keeps a file on one
worker, runs it beside the 20-kill scenario instead of after it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hardening.test_crash_kill import SIX_KILLS, run_kill_scenario


@pytest.mark.slow
async def test_sigkill_with_nonces_forgotten_never_loses_or_doubles_a_check_in(
    tmp_path: Path, database_location: Path | str
) -> None:
    """200 check-ins, 6 kills, and after each kill the fake forgets the nonces it has seen."""
    await run_kill_scenario(tmp_path, database_location, members=10, kills=SIX_KILLS, discord_forgets_nonces=True)
