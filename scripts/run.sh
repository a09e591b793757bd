#!/usr/bin/env bash
# Run kneadbot with any arguments of `python -m bot` (e.g. `bash scripts/run.sh doctor`): the Discord bot
# when DISCORD_TOKEN is set, the offline console in a terminal when it is not. Installs only the runtime lock.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh runtime
exec .venv/bin/python -m bot "$@"
