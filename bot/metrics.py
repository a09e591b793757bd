"""Prometheus counters for kneadbot, and the HTTP endpoint that serves them on 127.0.0.1 only.

Every `Metrics` owns its own CollectorRegistry (never prometheus_client's global REGISTRY), so two
bots in one test process count separately and nothing collides on a second registration. The
bot holds one `Metrics` and calls the verbs below where things happen; `serve_metrics` publishes
its registry when KNEADBOT_METRICS_PORT is set. Labels are bounded: command names come from the
command tree and outcomes are "ok" or "error", never anything a member typed.

No Discord import: this module is plain prometheus_client and can be used by any layer.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, PlatformCollector, ProcessCollector, start_http_server

LOOPBACK = "127.0.0.1"
LATE_AFTER = timedelta(minutes=5)
"""A check-in delivered more than this after its planned time counts as late."""

Outcome = Literal["ok", "error"]


class MetricsServerError(Exception):
    """The metrics endpoint could not start (typically: the port is taken); the message says which port."""


class Metrics:
    """The bot's counters, in a registry of their own (exposed as `registry`)."""

    def __init__(self, *, process_metrics: bool = True) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        if process_metrics:
            # Memory, CPU, open files and the Python version: the usual first questions in an incident.
            ProcessCollector(registry=self.registry)
            PlatformCollector(registry=self.registry)
        self.commands = Counter(
            "kneadbot_commands",
            "Slash commands served, by command and outcome (ok, or error: the member got an error reply).",
            ["command", "outcome"],
            registry=self.registry,
        )
        self.checkins_sent = Counter(
            "kneadbot_checkins_sent", "Check-ins delivered to a member (DM or server channel).", registry=self.registry
        )
        self.checkins_late = Counter(
            "kneadbot_checkins_late",
            f"Check-ins delivered more than {int(LATE_AFTER.total_seconds())} s after their planned time "
            "(also counted in kneadbot_checkins_sent).",
            registry=self.registry,
        )
        self.checkins_failed = Counter(
            "kneadbot_checkins_failed",
            "Check-ins given up on after the last delivery attempt (Discord errors or timeouts).",
            registry=self.registry,
        )
        self.checkins_undeliverable = Counter(
            "kneadbot_checkins_undeliverable",
            "Check-ins that could not reach the member: DMs closed and no server channel to post in.",
            registry=self.registry,
        )
        self.daily_tips_posted = Counter(
            "kneadbot_daily_tips_posted", "Daily tips posted to a server channel.", registry=self.registry
        )
        self.housekeeping_runs = Counter(
            "kneadbot_housekeeping_runs",
            "Housekeeping runs (the retention purges), by task and outcome (done, retrying, failed).",
            ["task", "outcome"],
            registry=self.registry,
        )

    def command_finished(self, command: str, outcome: Outcome) -> None:
        """One slash command served; `command` is its qualified name, e.g. "session log"."""
        self.commands.labels(command=command, outcome=outcome).inc()

    def checkin_sent(self, late_by: timedelta) -> None:
        """A check-in reached its member `late_by` after its planned time (DueCheckin.late_by)."""
        self.checkins_sent.inc()
        if late_by > LATE_AFTER:
            self.checkins_late.inc()

    def checkin_failed(self) -> None:
        self.checkins_failed.inc()

    def checkin_undeliverable(self) -> None:
        self.checkins_undeliverable.inc()

    def daily_tip_posted(self) -> None:
        self.daily_tips_posted.inc()

    def housekeeping_finished(self, task: str, outcome: str) -> None:
        """One settled run of a housekeeping task; both labels are our own fixed names."""
        self.housekeeping_runs.labels(task=task, outcome=outcome).inc()


@dataclass
class MetricsServer:
    """The running exposition endpoint; `close()` stops it and frees the port (safe to call twice)."""

    server: WSGIServer
    thread: threading.Thread

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.server.server_address[:2]
        return str(host), int(port)

    @property
    def port(self) -> int:
        return self.address[1]

    def close(self) -> None:
        if self.thread.is_alive():
            self.server.shutdown()
            self.thread.join()
        self.server.server_close()


def serve_metrics(registry: CollectorRegistry, port: int) -> MetricsServer:
    """Serve `registry` at http://127.0.0.1:PORT/metrics from a daemon thread.

    Bound to the loopback address only: a scraper must run on the same host (or in the same network
    namespace). `port` 0 lets the OS pick a free port; read it back from `MetricsServer.port`.
    Raises MetricsServerError when the port cannot be bound (taken, or not allowed).
    """
    try:
        server, thread = start_http_server(port, addr=LOOPBACK, registry=registry)
    except OSError as error:
        raise MetricsServerError(
            f"cannot serve metrics on {LOOPBACK}:{port} (KNEADBOT_METRICS_PORT): {error}"
        ) from None
    return MetricsServer(server, thread)


@contextmanager
def serving_metrics(registry: CollectorRegistry, port: int | None) -> Iterator[MetricsServer | None]:
    """`serve_metrics` for the length of a `with` block, stopped on the way out; nothing when `port` is None."""
    if port is None:
        yield None
        return
    server = serve_metrics(registry, port)
    try:
        yield server
    finally:
        server.close()
