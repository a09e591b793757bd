"""bot/ratelimit.py replaces `HTTPClient.request` on one client and reads `Route.url`, `Route.path` and
`Route.BASE`. requirements.lock pins discord.py; these tests fail if an upgrade changes that seam
(then move the pacing to whatever discord.py offers instead)."""

from __future__ import annotations

import inspect

from discord.http import HTTPClient, Route


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
