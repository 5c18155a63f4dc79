#!/usr/bin/env bash
# Prints the command the README shows under <!-- ci: NAME -->: the single line of the ```sh
# block that follows the marker. CI runs what the README says, so the two cannot drift apart.
# Usage: bash .ci/readme-command.sh run-command|test-command
set -euo pipefail
cd "$(dirname "$0")/.."
name="$1"
command="$(awk -v marker="<!-- ci: ${name} -->" '
  $0 == marker { found = 1; next }
  found && /^```/ { if (inside) exit; inside = 1; next }
  found && inside { print }
' README.md)"
lines="$(printf '%s' "$command" | grep -c . || true)"
if [ "$lines" != 1 ]; then
  echo "README.md: expected one command line in the sh block after <!-- ci: ${name} -->," \
    "found ${lines}" >&2
  exit 1
fi
printf '%s\n' "$command"
