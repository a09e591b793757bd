"""Cold start: wall time from starting `python -m bot` as a fresh subprocess to ready.

    .venv/bin/python -m bench.cold_start [--runs 5] [--skip-bot]

(a) console: `python -m bot` without DISCORD_TOKEN, with `/tip` piped in; time until the first byte
    of the reply reaches stdout.
(b) bot: `python -m bench.launch_bot` (the real `python -m bot` entry point, pointed at a loopback
    fake Discord running in this process) with a token and its own SQLite file. Times: until the
    gateway session is live (IDENTIFY answered), until the first /tip is answered (the fake sends it
    the moment the session is live; the callback's arrival at the fake counts), and until on_ready
    (discord.py fires it after waiting `guild_ready_timeout`, 2 s by default, for more GUILD_CREATEs;
    the launcher prints the moment). The first run creates the database (migrations); later runs
    reuse it, as a restart does.
Reference rows: the bare interpreter and a few imports, each in a fresh process.

Each figure is the median of --runs fresh processes (min and max alongside). No asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._fakeproc import TimedFake

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
READY_MARK = "bench-launch: ready "


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN" and not k.startswith("KNEADBOT_")}
    env["PYTHONPATH"] = str(ROOT)
    return env | extra


def time_reference(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([PYTHON, "-c", code], cwd=ROOT, env=clean_env(), check=True)  # noqa: S603 - fixed argv
    return time.perf_counter() - start


def time_console(workdir: Path) -> float:
    """Seconds until the first byte of the reply to a piped /tip; the console exits at end of input."""
    start = time.perf_counter()
    with subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
        [PYTHON, "-m", "bot"], cwd=workdir, env=clean_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE
    ) as process:
        stdin, stdout = process.stdin, process.stdout
        if stdin is None or stdout is None:
            raise RuntimeError("pipes were not opened")
        stdin.write(b"/tip\n")
        stdin.close()
        first = stdout.read(1)
        elapsed = time.perf_counter() - start
        stdout.read()
    if not first:
        raise RuntimeError("the console printed nothing")
    return elapsed


async def time_bot(workdir: Path, db: Path) -> dict[str, float]:
    """Seconds from spawn to: session live, first /tip answered, on_ready."""
    fake = TimedFake()
    await fake.start()
    env = clean_env(
        DISCORD_TOKEN="fake-token",  # noqa: S106 - the fake accepts any token
        KNEADBOT_DB=str(db),
        KNEADBOT_LOG_LEVEL="WARNING",
        KNEADBOT_FAKE_API=fake.api_base,
        KNEADBOT_FAKE_GATEWAY=fake.gateway_url,
    )
    start = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        PYTHON, "-m", "bench.launch_bot", cwd=workdir, env=env, stderr=asyncio.subprocess.PIPE
    )
    stderr = process.stderr
    if stderr is None:
        raise RuntimeError("stderr was not piped")
    ready_at: asyncio.Future[float] = asyncio.get_running_loop().create_future()
    lines: list[str] = []

    async def read_stderr() -> None:
        async for raw in stderr:
            line = raw.decode(errors="replace").rstrip()
            if line.startswith(READY_MARK) and not ready_at.done():
                ready_at.set_result(float(line[len(READY_MARK) :]))
            else:
                lines.append(line)

    reader = asyncio.create_task(read_stderr())
    try:
        async with asyncio.timeout(60):
            await fake.gateway.wait_live(60)
            live = time.perf_counter()
            state = await fake.slash("tip")
            await state.replied.wait()
            answered = fake.callback_arrivals[state.id]
            ready = await ready_at
    except TimeoutError:
        raise RuntimeError("the bot did not start:\n" + "\n".join(lines[-20:])) from None
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
            try:
                async with asyncio.timeout(10):
                    await process.wait()
            except TimeoutError:
                process.kill()
                await process.wait()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
        await fake.close()
    return {"live": live - start, "answered": answered - start, "ready": ready - start}


def row(label: str, seconds: list[float]) -> str:
    return (
        f"| {label} | {statistics.median(seconds) * 1000:.0f} | {min(seconds) * 1000:.0f} | "
        f"{max(seconds) * 1000:.0f} | {len(seconds)} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per figure (default 5)")
    parser.add_argument("--skip-bot", action="store_true", help="only the console and reference rows")
    args = parser.parse_args()
    print("| what | median ms | min ms | max ms | runs |\n| --- | ---: | ---: | ---: | ---: |")
    references = {
        "reference: `python -c pass`": "pass",
        "reference: `import discord`": "import discord",
        "reference: `import bot.app`": "import bot.app",
        "reference: `import bot.ui.charts` (matplotlib)": "import bot.ui.charts",
    }
    for label, code in references.items():
        print(row(label, [time_reference(code) for _ in range(args.runs)]), flush=True)
    with tempfile.TemporaryDirectory(prefix="kneadbot-bench-") as tmp:
        workdir = Path(tmp)
        print(row("(a) console: first reply to piped `/tip`", [time_console(workdir) for _ in range(args.runs)]))
        if args.skip_bot:
            return
        runs = [asyncio.run(time_bot(workdir, workdir / "kneadbot.sqlite3")) for _ in range(args.runs)]
        print(row("(b) bot: gateway session live (IDENTIFY answered)", [r["live"] for r in runs]))
        print(row("(b) bot: first `/tip` answered", [r["answered"] for r in runs]))
        print(row("(b) bot: on_ready (includes discord.py's 2 s guild_ready_timeout)", [r["ready"] for r in runs]))


if __name__ == "__main__":
    main()
