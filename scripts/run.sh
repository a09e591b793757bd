#!/usr/bin/env bash
# Run kneadbot: the Discord bot when DISCORD_TOKEN is set, the offline console when it is not.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/python -m bot "$@"
