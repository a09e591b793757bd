#!/usr/bin/env bash
# Create .venv and install the locked dependencies (runtime and dev tools) into it; re-install only when
# the lock changes. The runtime-only lock, requirements.lock, is what the Docker image installs.
set -euo pipefail
cd "$(dirname "$0")/.."

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

if [ ! -x .venv/bin/python ]; then
    "$(pick_python)" -m venv .venv
fi
stamp=.venv/.requirements-dev.lock.sha256
wanted=$(sha256sum requirements-dev.lock | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
    echo "$wanted" > "$stamp"
fi
