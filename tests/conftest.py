"""Fixtures shared by the whole suite: the fake Discord and the real content."""

from __future__ import annotations

pytest_plugins = ("tests.fakediscord.pytest_plugin",)
