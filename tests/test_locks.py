"""The two lock files agree: the Docker image (runtime lock) runs exactly what the tests ran (dev lock)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s\\]+)", re.M)


def pins(name: str) -> dict[str, str]:
    return {package.lower(): version for package, version in PIN.findall((ROOT / name).read_text(encoding="utf-8"))}


def test_runtime_pins_match_the_tested_ones() -> None:
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    assert {"discord-py", "aiosqlite", "pydantic", "rapidfuzz", "tzdata"} <= set(runtime)
    assert {name: version for name, version in runtime.items() if dev.get(name) != version} == {}
    assert not {"pytest", "mypy", "ruff"} & set(runtime)
    assert {"pytest", "mypy", "ruff", "hypothesis"} <= set(dev)


def test_every_lock_line_has_hashes() -> None:
    for name in ("requirements.lock", "requirements-dev.lock"):
        text = (ROOT / name).read_text(encoding="utf-8")
        assert text.count("--hash=sha256:") >= len(pins(name)), name
