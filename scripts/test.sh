#!/usr/bin/env bash
# Run the whole test suite (extra arguments go to pytest); installs the dev lock (runtime plus test tools).
# The suite is spread over four workers with pytest-xdist unless the caller chooses with -n / --numprocesses
# (four on two cores: many tests wait on real processes, pacing and the network, not the CPU)
# (-n 0 runs it in one process, for debugging).
# Storage, service and bot tests run on SQLite always, and on PostgreSQL too when KNEADBOT_TEST_DATABASE_URL
# names a server (`url=$(bash .ci/postgres start DIR)` starts a throwaway one; `.ci/run` does it for CI).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh dev
if [ -n "${KNEADBOT_TEST_DATABASE_URL:-}" ]; then
    echo "kneadbot: running the database tests on SQLite and on PostgreSQL (KNEADBOT_TEST_DATABASE_URL)" >&2
else
    echo "kneadbot: PostgreSQL tests are SKIPPED: KNEADBOT_TEST_DATABASE_URL is not set" \
        "(start one with: url=\$(bash .ci/postgres start /tmp/kneadbot-pg); see README, PostgreSQL)" >&2
fi
workers=(-n 4)
for arg in "$@"; do
    case "$arg" in
        -n | -n* | --numprocesses | --numprocesses=*) workers=() ;;
    esac
done
exec .venv/bin/python -m pytest "${workers[@]}" "$@"
