"""scripts/run.sh and scripts/test.sh, run for real by bash on a copy of the repository's scripts.

Where pip would reach PyPI, a stand-in `.venv/bin/python` records what it was asked to install, so the
test sees which lock each script installs and what the operator is told, without a network.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STAND_IN = """#!/usr/bin/env bash
echo "$*" >> "$(dirname "$0")/../calls.log"
if [ "$1 $2" = "-m bot" ]; then echo "bot ran with: ${*:3}"; fi
"""


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "scripts", tmp_path / "scripts")
    for lock in ("requirements.lock", "requirements-dev.lock"):
        shutil.copy(ROOT / lock, tmp_path / lock)
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(STAND_IN, encoding="utf-8")
    python.chmod(0o755)
    return tmp_path


def run(checkout: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", f"scripts/{script}", *args],  # noqa: S607 - bash from PATH, as the README says
        cwd=checkout,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def installs(checkout: Path) -> list[str]:
    calls = (checkout / ".venv" / "calls.log").read_text(encoding="utf-8").splitlines()
    return [call.rsplit(" ", 1)[-1] for call in calls if call.startswith("-m pip install")]


def test_run_installs_only_the_runtime_lock_says_so_once_and_passes_arguments(checkout: Path) -> None:
    first = run(checkout, "run.sh", "doctor")
    assert first.returncode == 0, first.stderr
    assert "kneadbot: installing dependencies (requirements.lock) into .venv (first run only" in first.stderr
    assert first.stdout.strip() == "bot ran with: doctor"
    assert installs(checkout) == ["requirements.lock"]
    again = run(checkout, "run.sh", "--version")
    assert again.stderr == ""
    assert installs(checkout) == ["requirements.lock"]


def test_tests_install_the_dev_lock_and_then_the_bot_needs_nothing_more(checkout: Path) -> None:
    run(checkout, "test.sh")
    assert installs(checkout) == ["requirements-dev.lock"]
    run(checkout, "run.sh")
    assert installs(checkout) == ["requirements-dev.lock"]  # the dev lock holds the same runtime pins
