#!/usr/bin/env bash
# Sets chainrule up on a fresh machine (.venv) and runs it.
#   bash scripts/run.sh             study offline in this terminal (chainrule try; no token)
#   bash scripts/run.sh run         the Discord bot (DISCORD_TOKEN in the environment or .env)
#   bash scripts/run.sh ARGS...     any chainrule command, e.g. doctor
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ "$#" -eq 0 ]; then set -- try; fi
exec .venv/bin/chainrule "$@"
