"""KNEADBOT_DISCORD_API_URL: the real bot sends its REST requests through @discordjs/proxy (pinned in
tests/proxy/package-lock.json) to the loopback fake, which enforces Discord's 50 requests/s.

The proxy is installed with `npm ci` when node_modules is missing (.ci/run does it up front); the test
skips, saying why, only when npm or node is not on the machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.clock import FakeClock
from tests.exts.checkin_steps import rows, run_scheduler
from tests.exts.harness import running_kneadbot
from tests.fakediscord.global_limit import GlobalRateLimit
from tests.fakediscord.interceptors import InterceptingFakeDiscord
from tests.test_ratelimit import CHECKINS_EACH, MEMBERS, seed_due_checkins

HERE = Path(__file__).resolve().parent
DISCORD_PY_AGENT = "discord.py"


@pytest.fixture(scope="module")
def installed_proxy() -> Path:
    if shutil.which("npm") is None or shutil.which("node") is None:
        pytest.skip("npm/node is not installed: the @discordjs/proxy test needs them (apt-get install nodejs npm)")
    if not (HERE / "node_modules" / "@discordjs" / "proxy").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True, timeout=300)  # noqa: S607
    return HERE / "serve.mjs"


@contextlib.asynccontextmanager
async def proxy_in_front_of(fake: InterceptingFakeDiscord, script: Path, per_second: int = 50) -> AsyncIterator[str]:
    """Start @discordjs/proxy forwarding to `fake`, at most `per_second` requests in each of its
    one-second windows; yields the REST base the bot is pointed at."""
    upstream = f"http://127.0.0.1:{fake.port}/api"
    node = await asyncio.create_subprocess_exec(
        "node", str(script), upstream, str(per_second), cwd=HERE, stdout=asyncio.subprocess.PIPE
    )
    try:
        assert node.stdout is not None
        async with asyncio.timeout(30):
            port = json.loads(await node.stdout.readline())["port"]
        yield f"http://127.0.0.1:{port}/api/v10"
    finally:
        node.terminate()
        await node.wait()


@pytest.fixture
def limited() -> tuple[InterceptingFakeDiscord, GlobalRateLimit]:
    fake = InterceptingFakeDiscord()
    return fake, GlobalRateLimit(per_second=50).install(fake)


async def test_a_burst_goes_through_the_proxy_and_draws_no_429(
    installed_proxy: Path, limited: tuple[InterceptingFakeDiscord, GlobalRateLimit], tmp_path: Path
) -> None:
    fake, limit = limited
    clock, db_path = FakeClock(), tmp_path / "kb.sqlite3"
    members = await seed_due_checkins(db_path, clock)
    await fake.start()
    try:
        async with (
            proxy_in_front_of(fake, installed_proxy) as api_base,
            running_kneadbot(fake, db_path, clock=clock, discord_api_url=api_base) as bot,
        ):
            await run_scheduler(bot, clock, hours=2)
    finally:
        await fake.close()

    bot_requests = [r for r in fake.requests if not r.path.startswith(("/interactions/", "/webhooks/"))]
    agents = {r.headers.get("User-Agent", "") for r in bot_requests}
    assert agents and not any(DISCORD_PY_AGENT in agent for agent in agents), agents  # all came via the proxy
    assert limit.rejected == 0 and limit.busiest_second <= 50
    assert [len(fake.dm_messages(member)) for member in members] == [CHECKINS_EACH] * MEMBERS
    assert await rows(db_path, "SELECT state, count(*) FROM checkins GROUP BY state") == [
        ("sent", MEMBERS * CHECKINS_EACH)
    ]
    assert not fake.violation_report(), fake.violation_report()
