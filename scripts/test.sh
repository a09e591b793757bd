#!/usr/bin/env bash
# Run the whole test suite (extra arguments go to pytest); installs the dev lock (runtime plus test tools).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh dev
exec .venv/bin/python -m pytest "$@"
