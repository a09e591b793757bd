"""The 20-kill SIGKILL scenario of test_crash_kill.py, on PostgreSQL.

A file of its own so that pytest-xdist, which keeps a file on one worker, runs it beside the SQLite run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hardening.test_crash_kill import TWENTY_KILLS, run_kill_scenario


@pytest.mark.slow
async def test_sigkill_during_delivery_never_loses_or_doubles_a_check_in_on_postgres(
    tmp_path: Path, postgres_location: str
) -> None:
    """500 check-ins, 20 kills, all inside Discord's nonce window."""
    await run_kill_scenario(tmp_path, postgres_location, members=25, kills=TWENTY_KILLS, discord_forgets_nonces=False)
