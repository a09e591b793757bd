"""Markers for the hardening suite (registered here so pyproject.toml stays as it is)."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: runs real bot processes (seconds, not milliseconds); part of the default suite"
    )
