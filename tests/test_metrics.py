"""bot.metrics: the counters, and the exposition endpoint on 127.0.0.1 read over real HTTP."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.metrics import LATE_AFTER, Metrics, MetricsServer, MetricsServerError, serve_metrics, serving_metrics

# No proxy from the environment may stand between the test and the loopback endpoint.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def fetch(url: str) -> tuple[int, str, str]:
    with _OPENER.open(url, timeout=30) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read().decode("utf-8")


def sample_lines(text: str) -> set[str]:
    return {line for line in text.splitlines() if line and not line.startswith("#")}


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
def server(metrics: Metrics) -> Iterator[MetricsServer]:
    running = serve_metrics(metrics.registry, 0)
    try:
        yield running
    finally:
        running.close()


def test_counters_are_served_over_http(metrics: Metrics, server: MetricsServer) -> None:
    metrics.command_finished("tip", "ok")
    metrics.command_finished("tip", "ok")
    metrics.command_finished("session log", "error")
    metrics.checkin_sent(timedelta(0))
    metrics.checkin_sent(LATE_AFTER + timedelta(seconds=1))
    metrics.checkin_failed()
    metrics.checkin_undeliverable()
    metrics.checkin_undeliverable()
    metrics.daily_tip_posted()

    status, content_type, body = fetch(f"http://127.0.0.1:{server.port}/metrics")

    assert status == 200
    assert content_type.startswith("text/plain")
    lines = sample_lines(body)
    assert {
        'kneadbot_commands_total{command="tip",outcome="ok"} 2.0',
        'kneadbot_commands_total{command="session log",outcome="error"} 1.0',
        "kneadbot_checkins_sent_total 2.0",
        "kneadbot_checkins_late_total 1.0",
        "kneadbot_checkins_failed_total 1.0",
        "kneadbot_checkins_undeliverable_total 2.0",
        "kneadbot_daily_tips_posted_total 1.0",
    } <= lines
    assert "# TYPE kneadbot_commands_total counter" in body
    assert "# HELP kneadbot_checkins_late_total" in body


def test_late_means_more_than_five_minutes(metrics: Metrics) -> None:
    metrics.checkin_sent(timedelta(minutes=5))
    metrics.checkin_sent(timedelta(minutes=5, microseconds=1))
    assert metrics.registry.get_sample_value("kneadbot_checkins_sent_total") == 2
    assert metrics.registry.get_sample_value("kneadbot_checkins_late_total") == 1


def test_each_metrics_has_its_own_registry() -> None:
    first, second = Metrics(), Metrics()
    first.daily_tip_posted()
    assert first.registry.get_sample_value("kneadbot_daily_tips_posted_total") == 1
    assert second.registry.get_sample_value("kneadbot_daily_tips_posted_total") == 0


def test_process_metrics_are_included_on_linux(metrics: Metrics) -> None:
    if not has_proc():
        pytest.skip("no /proc here: prometheus_client's process collector reports nothing")
    assert metrics.registry.get_sample_value("process_resident_memory_bytes")


def has_proc() -> bool:
    try:
        with open("/proc/self/stat", "rb"):
            return True
    except OSError:
        return False


def test_listens_on_loopback_only(server: MetricsServer) -> None:
    assert server.address == ("127.0.0.1", server.port)
    assert server.server.socket.family == socket.AF_INET
    outside = non_loopback_ipv4()
    if outside is None:
        pytest.skip("this host has no non-loopback IPv4 address to try from")
    with pytest.raises(urllib.error.URLError):
        fetch(f"http://{outside}:{server.port}/metrics")


def test_close_frees_the_port_and_can_be_repeated(metrics: Metrics) -> None:
    running = serve_metrics(metrics.registry, 0)
    port = running.port
    running.close()
    running.close()
    assert not running.thread.is_alive()
    with socket.create_server(("127.0.0.1", port)):  # the port is free again
        pass


def test_a_taken_port_is_an_error_naming_the_port(metrics: Metrics, server: MetricsServer) -> None:
    with pytest.raises(MetricsServerError, match=rf"127\.0\.0\.1:{server.port} \(KNEADBOT_METRICS_PORT\): .*in use"):
        serve_metrics(metrics.registry, server.port)


def test_serving_metrics_runs_for_the_with_block(metrics: Metrics) -> None:
    with serving_metrics(metrics.registry, 0) as running:
        assert running is not None
        status, _, body = fetch(f"http://127.0.0.1:{running.port}/metrics")
        assert status == 200
        assert "kneadbot_daily_tips_posted_total 0.0" in sample_lines(body)
    assert not running.thread.is_alive()
    with pytest.raises(urllib.error.URLError):
        fetch(f"http://127.0.0.1:{running.port}/metrics")


def test_serving_metrics_without_a_port_serves_nothing(metrics: Metrics) -> None:
    with serving_metrics(metrics.registry, None) as running:
        assert running is None


def non_loopback_ipv4() -> str | None:
    """This host's address on its default route, if it has one (a UDP connect sends nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed anywhere real
        except OSError:
            return None
        address = str(probe.getsockname()[0])
    return None if address.startswith("127.") or address == "0.0.0.0" else address  # noqa: S104
