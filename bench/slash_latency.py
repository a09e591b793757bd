"""Slash-command latency: the real KneadBot over loopback, open-loop at a fixed rate.

    .venv/bin/python -m bench.slash_latency [--rate 100] [--seconds 10] [--mode process inline]

The fake Discord sends INTERACTION_CREATE on a fixed schedule (it never waits for replies) and
stamps when each frame was written and when the bot's callback request reached its middleware:
that difference is the latency of one command as Discord would see it ("at fake" columns). The bot
process also stamps when discord.py starts the callback request ("bot" columns: the fake's own
queueing excluded). Both stamps are time.perf_counter, which on Linux is CLOCK_MONOTONIC and so is
comparable across processes.

Scenarios: /tip, /faq with a question, and the /faq autocomplete. Every command comes from a
different fake user, so the per-member cooldown (8 per 30 s) never fires. "process" runs the fake
in a child process so the bot's event loop is measured alone; "inline" shares one loop, as the
tests do. The fake skips request-body validation unless --validate (it costs the fake 1-8 ms a
request, which queues in front of the bot's next request). The bot is the production KneadBot
(tests.exts.harness.TestKneadBot) on a fresh SQLite file.

Prints percentiles in milliseconds, the bot process's CPU per command, the fake's time per request,
and the full (generation-2) garbage collections in the bot process during the run with the longest
pause. --gc-freeze is an experiment, not the bot's behaviour: gc.freeze() once the bot is ready.
No asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from discord.webhook.async_ import AsyncWebhookAdapter

from bench._fakeproc import FakeHandle, connected, cpu_seconds, running_fake
from tests.exts.harness import TestKneadBot, make_settings, real_library

SCENARIOS = (("tip", "/tip"), ("faq", "/faq question"), ("faq-autocomplete", "/faq autocomplete"))


def scenario_texts(kind: str) -> list[str]:
    """What members send: picked suggestions and typed questions for /faq, partial typing for autocomplete."""
    faq = real_library().faq
    if kind == "faq":
        return [text for entry in faq for text in (entry.id, entry.question.lower().rstrip("?"))]
    if kind == "faq-autocomplete":
        return [entry.question[:cut] for entry in faq for cut in (3, 8, 15, 25)]
    return [""]


@contextmanager
def stamp_callbacks() -> Iterator[dict[int, float]]:
    """perf_counter when discord.py starts each interaction callback request, by interaction id."""
    stamps: dict[int, float] = {}
    original = AsyncWebhookAdapter.create_interaction_response

    def stamped(self: AsyncWebhookAdapter, interaction_id: int, token: str, **kwargs: Any) -> Any:
        stamps[int(interaction_id)] = time.perf_counter()
        return original(self, interaction_id, token, **kwargs)

    AsyncWebhookAdapter.create_interaction_response = stamped  # type: ignore[method-assign]
    try:
        yield stamps
    finally:
        AsyncWebhookAdapter.create_interaction_response = original  # type: ignore[method-assign]


@contextmanager
def full_collections() -> Iterator[list[float]]:
    """Milliseconds of every generation-2 (full) garbage collection in this process, as they happen."""
    pauses: list[float] = []
    started = 0.0

    def watch(phase: str, info: dict[str, int]) -> None:
        nonlocal started
        if info["generation"] != 2:
            return
        if phase == "start":
            started = time.perf_counter()
        else:
            pauses.append((time.perf_counter() - started) * 1000)

    gc.callbacks.append(watch)
    try:
        yield pauses
    finally:
        gc.callbacks.remove(watch)


def percentile(values: Sequence[float], pct: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def summary(values: Sequence[float]) -> str:
    if len(values) < 2:
        return "- | - | -"
    return f"{statistics.median(values):.2f} | {percentile(values, 99):.2f} | {max(values):.1f}"


async def run_scenario(
    fake: FakeHandle, stamps: dict[int, float], kind: str, rate: float, count: int, first_user: int
) -> dict[str, Any]:
    stamps.clear()
    await fake.call("counters", reset=True)
    cpu_before = cpu_seconds()
    with full_collections() as pauses:
        result: dict[str, Any] = await fake.call(
            "open_loop", kind=kind, rate=rate, count=count, texts=scenario_texts(kind), first_user=first_user
        )
        await asyncio.sleep(0.2)  # let the bot finish what follows the callback (echo, completion listener)
    result["cpu"] = cpu_seconds() - cpu_before
    result["full_gc"] = pauses
    result["fake"] = await fake.call("counters")
    sent = result["sent"]
    result["at_fake"] = [(t - sent[i]) * 1000 for i, t in result["arrived"].items()]
    result["in_bot"] = [(stamps[i] - sent[i]) * 1000 for i in sent if i in stamps]
    return result


async def measure(mode: str, rate: float, seconds: float, warmup: int, validate: bool, freeze: bool) -> list[str]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="kneadbot-bench-") as tmp, stamp_callbacks() as stamps:
        async with running_fake(mode, validate=validate) as fake:
            bot = TestKneadBot(make_settings(Path(tmp) / "kneadbot.sqlite3"), real_library())
            async with connected(bot, fake):
                if freeze:  # the experiment: move everything alive at start-up out of the collector's sight
                    gc.collect()
                    gc.freeze()
                label_suffix = " (gc.freeze)" if freeze else ""
                first_user = 0
                for kind, label in SCENARIOS:
                    await run_scenario(fake, stamps, kind, rate, warmup, first_user)
                    first_user += warmup
                    count = round(rate * seconds)
                    result = await run_scenario(fake, stamps, kind, rate, count, first_user)
                    first_user += count
                    n = len(result["sent"])
                    fake_ms = result["fake"]["busy_seconds"] * 1000 / max(result["fake"]["handled"], 1)
                    cpu = f"{result['cpu'] * 1000 / n:.2f}" + ("" if mode == "process" else " (bot+fake)")
                    rate_sent, answered = n / result["send_seconds"], len(result["arrived"])
                    gcs = result["full_gc"]
                    gc_note = f"{len(gcs)} ({max(gcs):.0f} ms)" if gcs else "0"
                    rows.append(
                        f"| {mode} | {label}{label_suffix} | {rate_sent:.0f} | {n} | {answered} | "
                        f"{summary(result['at_fake'])} | {summary(result['in_bot'])} | {cpu} | {fake_ms:.2f} | "
                        f"{gc_note} |"
                    )
                violations = await fake.call("violations")
                if violations:
                    rows.append(f"<!-- the fake reported protocol violations: {violations[:3]} -->")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=100.0, help="commands per second (default 100)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each measured run (default 10)")
    parser.add_argument("--warmup", type=int, default=100, help="commands sent and discarded before each run")
    parser.add_argument("--mode", nargs="+", choices=["process", "inline"], default=["process", "inline"])
    parser.add_argument(
        "--gc-freeze",
        action="store_true",
        help="experiment: gc.freeze() once the bot is ready, so full collections skip start-up objects",
    )
    parser.add_argument(
        "--validate", action="store_true", help="let the fake validate every request body against the spec (slow)"
    )
    args = parser.parse_args()
    print(
        "| fake | command | sent/s | sent | answered | at fake p50 ms | at fake p99 ms | at fake max ms "
        "| bot p50 ms | bot p99 ms | bot max ms | CPU ms per command | fake ms per request | full GCs (longest) |\n"
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    )
    for mode in args.mode:
        for row in asyncio.run(measure(mode, args.rate, args.seconds, args.warmup, args.validate, args.gc_freeze)):
            print(row, flush=True)


if __name__ == "__main__":
    main()
