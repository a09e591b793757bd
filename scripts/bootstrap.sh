#!/usr/bin/env bash
# Create .venv and install one locked dependency set into it; re-install only when that lock changes.
#   bash scripts/bootstrap.sh runtime   the bot's own dependencies (requirements.lock, as the Docker image)
#   bash scripts/bootstrap.sh [dev]     runtime plus test and lint tools (requirements-dev.lock)
# The dev lock pins the same runtime versions (tests/test_locks.py), so a venv set up for dev also runs the bot.
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-dev}
case "$kind" in
    runtime) lock=requirements.lock ;;
    dev) lock=requirements-dev.lock ;;
    *) echo "usage: bash scripts/bootstrap.sh [runtime|dev]" >&2; exit 2 ;;
esac

pick_python() {
    for candidate in python3.13 python3.12 python3.11 python3 python; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return
        fi
    done
    echo "kneadbot needs Python 3.11 or newer on PATH" >&2
    exit 1
}

stamp_matches() {  # $1: a lock file; true when .venv holds exactly what it pins
    [ "$(cat ".venv/.$1.sha256" 2>/dev/null)" = "$(sha256sum "$1" | cut -d' ' -f1)" ]
}

if stamp_matches "$lock" || { [ "$kind" = runtime ] && stamp_matches requirements-dev.lock; }; then
    exit 0
fi
if [ ! -x .venv/bin/python ]; then
    echo "kneadbot: creating .venv" >&2
    "$(pick_python)" -m venv .venv
fi
echo "kneadbot: installing dependencies ($lock) into .venv (first run only; this can take a few minutes)..." >&2
.venv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes -r "$lock"
sha256sum "$lock" | cut -d' ' -f1 > ".venv/.$lock.sha256"
echo "kneadbot: dependencies installed" >&2
