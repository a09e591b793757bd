"""The loopback fake Discord for bench.cluster_drain, enforcing 50 requests/s, in a process of its own.

Why a process of its own: three bot processes send it up to 50 paced requests a second (plus their
gateway traffic); on the benchmark's event loop, next to the zygote's pipe and the database polling,
any stall of that loop would delay answers and be counted against the bots. In a `multiprocessing`
child (spawn) it has a loop to itself, and it measures that loop's lag so a run can show the fake was
not the bottleneck. `bench/_fakeproc.py` does the same for the single-process benchmarks, but around
`TimedFake` and its interaction ops; this one wraps `InterceptingFakeDiscord` + `GlobalRateLimit`, as
`tests/cluster/burst.py` does in-process, and answers with the counts the benchmark reports.

The parent drives it through a pipe: `await fake.call("reset")` before the burst falls due,
`await fake.call("stats", tokens=[...])` once every row is sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import multiprocessing
import statistics
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from multiprocessing.connection import Connection
from typing import Any

from bench._fakeproc import _RoutesOnly, call_over_pipe
from tests.fakediscord.global_limit import EXEMPT_PREFIXES, GlobalRateLimit
from tests.fakediscord.interceptors import InterceptingFakeDiscord
from tests.hardening.checks import delivered_messages

LAG_TICK_S = 0.01


class LagProbe:
    """How late a 10 ms sleep wakes on the fake's loop: a busy or starved loop shows here. Lags over
    `SPIKE_S` are kept with their `time.monotonic()` (shared by every process on Linux), so a run can
    line them up with its busiest seconds."""

    SPIKE_S = 0.1

    def __init__(self) -> None:
        self.lags: list[float] = []
        self.spikes: list[tuple[float, float]] = []
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="fake-lag-probe")

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(LAG_TICK_S)
            lag = loop.time() - before - LAG_TICK_S
            self.lags.append(lag)
            if lag > self.SPIKE_S:
                self.spikes.append((time.monotonic(), lag))

    def summary(self) -> dict[str, float]:
        lags = sorted(self.lags) or [0.0]
        return {
            "lag_p50_ms": statistics.median(lags) * 1000,
            "lag_p99_ms": lags[min(len(lags) - 1, int(len(lags) * 0.99))] * 1000,
            "lag_max_ms": lags[-1] * 1000,
        }


class ClusterFake:
    def __init__(self, latency: float, dm_channels: Sequence[tuple[int, int]]) -> None:
        self.fake = InterceptingFakeDiscord(echo_messages=False)
        self.fake.spec = _RoutesOnly(self.fake.spec)  # type: ignore[assignment]
        self.limit = GlobalRateLimit(50, latency_seconds=latency).install(self.fake)
        for user_id, channel_id in dm_channels:
            self.fake.store.dm_channels[user_id] = channel_id
            self.fake.store.dm_recipients[channel_id] = user_id
        self.probe = LagProbe()
        self.first_request = 0

    def counts(self) -> dict[str, Any]:
        return {"sessions": len(self.fake.gateway.sessions), "requests": len(self.fake.requests)}

    def reset(self) -> dict[str, Any]:
        """Forget the start-up traffic: the burst's counts start here. The fake's cyclic garbage
        collector is off from here to the end of the burst: a full collection over the thousands of
        requests it records stalls its loop, and the answers held back meanwhile then arrive together
        and are counted in one second. Discord does not pause like that; refcounting still frees most."""
        self.limit.arrivals.clear()
        self.limit.rejected = 0
        self.first_request = len(self.fake.requests)
        self.probe.lags.clear()
        self.probe.spikes.clear()
        gc.collect()
        gc.disable()
        return self.counts()

    async def stats(self, tokens: Sequence[str], due: float) -> dict[str, Any]:
        gc.enable()
        await self.fake.settle()
        burst = [r for r in self.fake.requests[self.first_request :] if not r.path.startswith(EXEMPT_PREFIXES)]
        stored = Counter(checkin_id for checkin_id, _channel, _message in delivered_messages(self.fake))
        posts = Counter(
            r.headers.get("Authorization", "")
            for r in burst
            if r.method == "POST" and r.path.endswith("/messages") and r.status == 200
        )
        return {
            "requests": len(burst),
            "statuses": dict(Counter(r.status for r in burst)),
            "rejected": self.limit.rejected,
            "busiest": self.limit.busiest_second,
            "seconds": sorted(self.limit.arrivals.items()),
            "stored": len(stored),
            "doubles": sum(n - 1 for n in stored.values() if n > 1),
            "message_posts": {token: posts.get(f"Bot {token}", 0) for token in tokens},
            "dm_opens": sum(1 for r in burst if r.method == "POST" and r.path == "/users/@me/channels"),
            "violations": self.fake.violation_report()[:2000],
            "over_limit": [(window - int(due), n) for window, n in sorted(self.limit.arrivals.items()) if n > 50],
            "lag_spikes": [(round(at - due, 1), round(lag * 1000)) for at, lag in self.probe.spikes],
            **self.probe.summary(),
        }


class FakeHandle:
    """The parent's side: where the fake listens and `call(op, **kwargs)`."""

    def __init__(self, conn: Connection, port: int) -> None:
        self.conn, self.port = conn, port
        self._lock = asyncio.Lock()

    async def call(self, op: str, **kwargs: Any) -> Any:
        return await call_over_pipe(self.conn, self._lock, op, kwargs)


def _child_main(conn: Connection, latency: float, dm_channels: Sequence[tuple[int, int]]) -> None:
    asyncio.run(_child(conn, latency, dm_channels))


async def _child(conn: Connection, latency: float, dm_channels: Sequence[tuple[int, int]]) -> None:
    cluster = ClusterFake(latency, dm_channels)
    await cluster.fake.start()
    cluster.probe.start()
    conn.send(cluster.fake.port)
    try:
        while True:
            op, kwargs = await asyncio.to_thread(conn.recv)
            if op == "stop":
                break
            try:
                if op == "stats":
                    result: Any = await cluster.stats(**kwargs)
                elif op == "reset":
                    result = cluster.reset()
                else:
                    result = cluster.counts()
                conn.send((True, result))
            except Exception as error:  # report to the parent instead of hanging it
                conn.send((False, repr(error)))
    finally:
        await cluster.fake.close()


@contextlib.asynccontextmanager
async def fake_in_own_process(latency: float, dm_channels: Sequence[tuple[int, int]]) -> AsyncIterator[FakeHandle]:
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(
        target=_child_main, args=(child, latency, list(dm_channels)), name="cluster-fake", daemon=True
    )
    process.start()
    try:
        port = await asyncio.wait_for(asyncio.to_thread(parent.recv), timeout=60)
        yield FakeHandle(parent, port)
    finally:
        with contextlib.suppress(OSError):
            parent.send(("stop", {}))
        await asyncio.to_thread(process.join, 10)
        if process.is_alive():
            process.terminate()
            process.join()
