"""Run the real `python -m bot` the way an operator would, with an environment free of stray settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def clean_env(**settings: str) -> dict[str, str]:
    """This process's environment without any KNEADBOT_* or DISCORD_TOKEN, plus `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KNEADBOT_") and k != "DISCORD_TOKEN"}
    return {**env, **settings}


def run_bot(*args: str, env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
