#!/usr/bin/env bash
# Sets everything up on a fresh machine and runs all checks:
# ruff, mypy on quizzes/, then the test suite on SQLite and on PostgreSQL.
# Usage: bash scripts/test.sh [--sqlite-only] [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
postgres=1
if [ "${1:-}" = "--sqlite-only" ]; then postgres=0; shift; fi

bash scripts/setup.sh test
echo "== ruff"
.venv/bin/ruff check .
echo "== mypy (quizzes/, bot/, terminal/)"
.venv/bin/mypy
echo "== pytest (SQLite)"
.venv/bin/pytest -q -p no:cacheprovider "$@"
if [ "$postgres" = 1 ]; then
  url="$(bash .ci/postgres.sh | tail -n 1)"
  echo "== pytest (PostgreSQL: ${url%%@*}@…)"
  # the database-free generator checks ran above; the second run is about the database
  CHAINRULE_TEST_DATABASE_URL="$url" .venv/bin/pytest -q -p no:cacheprovider \
    -m "not sqlite_only and not no_database" "$@"
fi
