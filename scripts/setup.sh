#!/usr/bin/env bash
# Creates .venv (if missing) and installs chainrule into it with the given extras.
# Usage: bash scripts/setup.sh [extras]   e.g. bash scripts/setup.sh test
# Once installed, it only installs again when pyproject.toml changes (a stamp in .venv), so
# later runs need no package index: `chainrule try` then works with no network at all.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
python_bin="${PYTHON:-python3}"
if ! command -v "$python_bin" > /dev/null; then
  echo "setup: no $python_bin here: install Python 3.11 or newer, or set PYTHON=/path/to/python3.11" >&2
  exit 1
fi
if ! "$python_bin" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2> /dev/null; then
  found="$("$python_bin" -V 2>&1 || true)"
  echo "setup: chainrule needs Python 3.11 or newer, and $python_bin is ${found:-not a working Python};" \
    "set PYTHON=/path/to/python3.11" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  "$python_bin" -m venv .venv || {
    echo "setup: could not create .venv (on Debian or Ubuntu: apt-get install python3-venv)" >&2
    exit 1
  }
fi
# pip's output, minus this machine's index notices; a failed install stops here, loudly.
pip_install() {
  local output
  if ! output="$(.venv/bin/python -m pip install --quiet "$@" 2>&1)"; then
    printf '%s\n' "$output" >&2
    echo "setup: pip install $* failed (above)" >&2
    exit 1
  fi
  printf '%s\n' "$output" | grep -v -e '^WARNING: Location' -e '^$' || true
}
spec="."
[ -n "$extras" ] && spec=".[${extras}]"
stamp=".venv/.installed-${extras:-base}"
wanted="$(sha256sum pyproject.toml | cut -d' ' -f1)"
installed_as_wanted() { # with these extras (any extras include the base install)
  local file
  for file in "$stamp" $([ -z "$extras" ] && ls .venv/.installed-* 2> /dev/null); do
    if [ -f "$file" ] && [ "$(cat "$file")" = "$wanted" ]; then return 0; fi
  done
  return 1
}
if [ -x .venv/bin/chainrule ] && installed_as_wanted; then
  exit 0 # installed from this very pyproject.toml
fi
pip_install --upgrade pip
# setuptools' "Editable installation." notice is information only (our flat layout is the
# point of an editable install); it is a page of asterisks in a newcomer's first minute.
PYTHONWARNINGS="ignore:Editable installation${PYTHONWARNINGS:+,$PYTHONWARNINGS}" pip_install -e "$spec"
.venv/bin/python -c "import quizzes, bot" # fails loudly if the install did not work
printf '%s\n' "$wanted" > "$stamp"
