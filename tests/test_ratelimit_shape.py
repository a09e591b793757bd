"""bot/ratelimit.py paces through the aiohttp trace config discord.py gives its session (`http_trace`), and
for a proxy replaces `HTTPClient.request` on one client, reading `Route.url` and `Route.BASE`.
requirements.lock pins discord.py; these tests fail if an upgrade changes either seam (then move the
pacing to whatever discord.py offers instead). tests/test_ratelimit.py shows the pacing at work."""

from __future__ import annotations

import inspect

import aiohttp
import discord
from discord.http import HTTPClient, Route

from bot.ratelimit import pacing


def test_every_rest_call_goes_through_request_with_a_route_first() -> None:
    parameters = list(inspect.signature(HTTPClient.request).parameters.values())
    assert [p.name for p in parameters[:2]] == ["self", "route"]
    assert all(
        p.kind is inspect.Parameter.KEYWORD_ONLY or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters[2:]
    )
    # the message send a check-in uses is built on it
    assert "self.request(" in inspect.getsource(HTTPClient.send_message)


def test_a_route_carries_the_url_and_path_the_pacing_reads() -> None:
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=5)
    assert route.path == "/channels/{channel_id}/messages"
    assert route.url == Route.BASE + "/channels/5/messages"
    assert Route.BASE.endswith("/api/v10")


def test_the_client_hands_its_trace_config_to_the_session_it_sends_with() -> None:
    trace = pacing(48)
    client = discord.Client(intents=discord.Intents.none(), http_trace=trace)
    assert client.http.http_trace is trace
    assert "trace_configs" in inspect.getsource(HTTPClient.static_login)  # where the session is made
    assert isinstance(trace, aiohttp.TraceConfig) and len(trace.on_request_start) == 1


def test_the_global_429_wait_is_the_event_the_pacing_holds_requests_on() -> None:
    """Pacing re-checks `HTTPClient._global_over` after each turn: discord.py clears it for a global 429's
    retry_after, sets it after, and makes it anew at login."""
    request, login = inspect.getsource(HTTPClient.request), inspect.getsource(HTTPClient.static_login)
    assert "self._global_over.clear()" in request and "self._global_over.set()" in request
    assert "self._global_over = asyncio.Event()" in login
