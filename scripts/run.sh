#!/usr/bin/env bash
# Sets chainrule up on a fresh machine (.venv) and runs the bot.
# Needs DISCORD_TOKEN in the environment or in a .env file here; see README "Running chainrule".
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/chainrule run "$@"
