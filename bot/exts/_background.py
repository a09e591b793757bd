"""BackgroundJobs: the job runners a cog owns, started once Discord is ready and stopped on unload.

Channels, permissions and the bot's own user are known only after READY, so every runner starts
then (a check-in's reconcile needs them first of all). Each time a runner has handled everything due
and goes to sleep, the bot dispatches `job_asleep(name, until)`: operators' cogs, and tests, listen
for it instead of peeking into the runner.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Protocol

import discord


class Runner(Protocol):
    def start(self) -> None: ...
    def wake(self) -> None: ...
    async def stop(self) -> None: ...


class BackgroundJobs:
    def __init__(self, client: discord.Client, *, enabled: bool) -> None:
        """`enabled` False (one-off runs such as `python -m bot sync`): nothing is ever started."""
        self._client, self._enabled = client, enabled
        self._runners: list[Runner] = []
        self._starting: asyncio.Task[None] | None = None

    def announce_asleep(self, name: str, until: datetime) -> None:
        """Pass to a runner as `on_asleep`: becomes the bot event `job_asleep`."""
        self._client.dispatch("job_asleep", name, until)

    def add(self, *runners: Runner) -> None:
        self._runners.extend(runners)

    def start_when_ready(self) -> None:
        if self._enabled and self._starting is None:
            self._starting = asyncio.create_task(self._start(), name="background-jobs-start")

    async def stop(self) -> None:
        if self._starting is not None:
            self._starting.cancel()
        for runner in self._runners:
            await runner.stop()

    async def _start(self) -> None:
        await self._client.wait_until_ready()
        for runner in self._runners:
            runner.start()
