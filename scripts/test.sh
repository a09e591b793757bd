#!/usr/bin/env bash
# Run the whole test suite (extra arguments go to pytest); installs the dev lock (runtime plus test tools).
# The suite is spread over two workers with pytest-xdist unless the caller chooses with -n / --numprocesses
# (-n 0 runs it in one process, for debugging).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh dev
workers=(-n 2)
for arg in "$@"; do
    case "$arg" in
        -n | -n* | --numprocesses | --numprocesses=*) workers=() ;;
    esac
done
exec .venv/bin/python -m pytest "${workers[@]}" "$@"
