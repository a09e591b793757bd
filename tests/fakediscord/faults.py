"""Fault injection: rate limits, outages and refusals, shaped like Discord's real ones.

Why exact shapes: discord.py decides what to do from details. A 429 without a ``Via``
header or JSON ``retry_after`` is taken for a Cloudflare ban (no retry); 500/502/504 are
retried with sleeps; 403/404 become ``Forbidden``/``NotFound`` carrying the JSON ``code``.
"""

from __future__ import annotations

import json
import math
import re
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

ERROR_MESSAGES = {
    0: "General error",
    10003: "Unknown Channel",
    10004: "Unknown Guild",
    10007: "Unknown Member",
    10008: "Unknown Message",
    10013: "Unknown User",
    10015: "Unknown Webhook",
    10062: "Unknown interaction",
    40060: "Interaction has already been acknowledged.",
    50001: "Missing Access",
    50005: "Cannot edit a message authored by another user",
    50006: "Cannot send an empty message",
    50007: "Cannot send messages to this user",
    50013: "Missing Permissions",
    50035: "Invalid Form Body",
}
DEFAULT_CODES = {400: 50035, 403: 50013, 404: 0}
GENERIC_MESSAGES = {401: "401: Unauthorized", 404: "404: Not Found", 405: "405: Method Not Allowed"}


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """JSON with ``Content-Type: application/json`` exactly (no charset), as discord.py requires."""
    body = json.dumps(data, separators=(",", ":")).encode()
    return web.Response(body=body, status=status, headers={**(headers or {}), "Content-Type": "application/json"})


def error_response(status: int, code: int | None = None, message: str | None = None, **extra: Any) -> web.Response:
    code = DEFAULT_CODES.get(status, 0) if code is None else code
    if message is None:
        message = ERROR_MESSAGES.get(code) if code else None
        message = message or GENERIC_MESSAGES.get(status, f"{status}: Error")
    return json_response({"message": message, "code": code, **extra}, status)


def ratelimit_headers(bucket: str, remaining: int = 49, reset_after: float = 1.0) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": "50",
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
        "X-RateLimit-Reset-After": f"{reset_after:.3f}",
        "X-RateLimit-Bucket": bucket,
    }


@dataclass
class Fault:
    """A canned failure for the next ``count`` requests matching ``method`` and ``path``."""

    method: str
    path: re.Pattern[str]
    status: int
    count: int = 1
    retry_after: float = 0.05
    global_: bool = False
    code: int | None = None
    message: str | None = None
    hits: list[str] = field(default_factory=list)  # paths it fired on

    def matches(self, method: str, path: str) -> bool:
        return self.count > 0 and self.method in ("*", method) and bool(self.path.search(path))

    def response(self, bucket: str) -> web.Response:
        if self.status == 429:
            scope = "global" if self.global_ else "user"
            headers = {
                **ratelimit_headers(bucket, 0, self.retry_after),
                "Retry-After": str(max(1, math.ceil(self.retry_after))),
                "Via": "1.1 google",
                "X-RateLimit-Scope": scope,
            }
            if self.global_:
                headers["X-RateLimit-Global"] = "true"
            body = {
                "message": self.message or "You are being rate limited.",
                "retry_after": self.retry_after,
                "global": self.global_,
            }
            if self.global_:
                body["code"] = 0
            return json_response(body, 429, headers)
        if self.status in (502, 503, 504) and self.code is None:
            # Cloudflare's edge answers with HTML, not JSON.
            reason = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}[self.status]
            html = f"<html><head><title>{self.status} {reason}</title></head><body>cloudflare</body></html>"
            return web.Response(text=html, status=self.status, content_type="text/html")
        if self.status >= 500:
            return error_response(self.status, self.code or 0, self.message or f"{self.status}: Internal Server Error")
        return error_response(self.status, self.code, self.message)
