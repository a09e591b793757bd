"""The real bot as a child process talking to a FakeDiscord in the test process.

Why a child process: only a real process can be SIGKILLed at any instruction, and only a real
process shows what an operator's terminal would, including tracebacks the interpreter prints itself.
Output goes to a file, not a pipe, so a chatty bot can never block on a full pipe.

Two ways to start one, with the same handle (``BotProcess``):

- ``BotProcess.launch(...)``: a fresh interpreter, ``python -m tests.fakediscord.launch_bot``;
- ``Zygote.spawn(...)``: a fork of a warm parent that already imported the libraries (see
  ``zygote.py``), for tests that restart the bot many times.
"""

# ruff: noqa: ASYNC109  (helpers take ``timeout=`` like the rest of the fake's test API)

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Self

ROOT = Path(__file__).resolve().parents[2]


def bot_environment(port: int, *, token: str, db_path: Path | str, **extra: str) -> dict[str, str]:
    """The environment an operator would give the bot, minus anything from the developer's shell.

    `db_path` is the SQLite file, or a postgresql:// URL (then set as KNEADBOT_DATABASE_URL)."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("KNEADBOT_", "DISCORD_", "FAKEDISCORD_"))}
    return {
        **inherited,
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
        "FAKEDISCORD_PORT": str(port),
        "DISCORD_TOKEN": token,
        **database_setting(db_path),
        **extra,
    }


def database_setting(location: Path | str) -> dict[str, str]:
    if isinstance(location, str) and location.startswith("postgresql://"):
        return {"KNEADBOT_DATABASE_URL": location}
    return {"KNEADBOT_DB": str(location)}


class BotProcess:
    """One run of the bot; ``output`` is everything it wrote to stdout and stderr."""

    def __init__(self, pid: int, output_path: Path, exited: Callable[[], Awaitable[int]]) -> None:
        self.pid, self.output_path, self._exited = pid, output_path, exited
        self.returncode: int | None = None

    @classmethod
    async def launch(cls, env: dict[str, str], output_path: Path, args: tuple[str, ...] = ()) -> Self:
        """A fresh ``python -m tests.fakediscord.launch_bot`` (the cold start an operator sees)."""
        with output_path.open("ab") as output:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tests.fakediscord.launch_bot",
                *args,
                env=env,
                cwd=output_path.parent,  # no developer .env is picked up
                stdin=asyncio.subprocess.DEVNULL,
                stdout=output,
                stderr=output,
            )
        return cls(process.pid, output_path, process.wait)

    def kill_now(self) -> None:
        """SIGKILL: no cleanup, no flush, no finally; exactly a power cut for the process."""
        self._signal(signal.SIGKILL)

    def _signal(self, which: signal.Signals) -> None:
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, which)

    async def wait(self, timeout: float) -> int:
        if self.returncode is None:
            async with asyncio.timeout(timeout):
                self.returncode = await self._exited()
        return self.returncode

    async def stop(self, which: signal.Signals = signal.SIGINT, timeout: float = 10.0) -> int:
        """Send ``which`` (Ctrl-C by default) and wait for the exit; SIGKILL if it does not come."""
        self._signal(which)
        try:
            return await self.wait(timeout)
        except TimeoutError:
            self.kill_now()
            return await self.wait(timeout)

    @property
    def output(self) -> str:
        return self.output_path.read_text(encoding="utf-8", errors="replace")


class Zygote:
    """The test's handle on a running ``tests.fakediscord.zygote``; ``spawn`` forks one bot process."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self._process = process
        self._started: asyncio.Queue[int] = asyncio.Queue()
        self._exits: dict[int, asyncio.Future[int]] = {}
        self._reader = asyncio.create_task(self._read(), name="zygote-reader")

    @classmethod
    async def start(cls, log_path: Path, timeout: float = 30.0) -> Self:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
        with log_path.open("ab") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tests.fakediscord.zygote",
                env=env,
                cwd=ROOT,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
            )
        assert process.stdout is not None
        async with asyncio.timeout(timeout):
            greeting = await process.stdout.readline()
        if greeting != b"ready\n":
            process.kill()
            await process.wait()
            raise RuntimeError(f"zygote did not start: {greeting!r}; see {log_path}")
        return cls(process)

    async def _read(self) -> None:
        assert self._process.stdout is not None
        async for line in self._process.stdout:
            event, pid, *rest = line.decode().split()
            if event == "started":
                await self._started.put(int(pid))
            elif event == "exited":
                self._exit_future(int(pid)).set_result(int(rest[0]))

    def _exit_future(self, pid: int) -> asyncio.Future[int]:
        return self._exits.setdefault(pid, asyncio.get_running_loop().create_future())

    async def spawn(
        self, env: dict[str, str], output_path: Path, args: tuple[str, ...] = (), timeout: float = 10.0
    ) -> BotProcess:
        assert self._process.stdin is not None
        request = {"env": env, "cwd": str(output_path.parent), "output": str(output_path), "args": list(args)}
        self._process.stdin.write(json.dumps(request).encode() + b"\n")
        await self._process.stdin.drain()
        async with asyncio.timeout(timeout):
            pid = await self._started.get()
        exited = self._exit_future(pid)
        return BotProcess(pid, output_path, lambda: asyncio.shield(exited))

    async def close(self, timeout: float = 10.0) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            async with asyncio.timeout(timeout):
                await self._process.wait()
        except TimeoutError:
            self._process.kill()
            await self._process.wait()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
