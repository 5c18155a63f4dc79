#!/usr/bin/env bash
# Sets chainrule up on a fresh machine (.venv in the checkout) and runs it here, in the
# directory you call it from (where .env and the default chainrule.db are looked for).
#   bash scripts/run.sh             study offline in this terminal (chainrule try; no token)
#   bash scripts/run.sh run         the Discord bot (DISCORD_TOKEN in the environment or .env)
#   bash scripts/run.sh ARGS...     any chainrule command, e.g. doctor
set -euo pipefail
checkout="$(cd "$(dirname "$0")/.." && pwd)"
bash "$checkout/scripts/setup.sh"
if [ "$#" -eq 0 ]; then set -- try; fi
exec "$checkout/.venv/bin/chainrule" "$@"
