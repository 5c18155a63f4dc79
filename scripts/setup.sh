#!/usr/bin/env bash
# Creates .venv (if missing) and installs chainrule into it with the given extras.
# Usage: bash scripts/setup.sh [extras]   e.g. bash scripts/setup.sh test
# Once installed, it installs again only when pyproject.toml changes or the checkout moved (a
# stamp in .venv), so later runs need no package index: `chainrule try` works offline.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
stamp=".venv/.installed-${extras:-base}"

# What an install is for: this pyproject.toml, in this checkout (an editable install and its
# scripts name the checkout's path, so a moved or copied checkout needs installing again).
fingerprint() {
  "$1" -c 'import hashlib, os, sys
print(hashlib.sha256(open("pyproject.toml", "rb").read()).hexdigest(), os.getcwd())'
}

installed_as_wanted() { # with these extras (any extras include the base install)
  local wanted file
  [ -x .venv/bin/python ] && [ -x .venv/bin/chainrule ] || return 1
  wanted="$(fingerprint .venv/bin/python 2> /dev/null)" || return 1
  for file in "$stamp" $([ -z "$extras" ] && ls .venv/.installed-* 2> /dev/null); do
    if [ -f "$file" ] && [ "$(cat "$file")" = "$wanted" ]; then return 0; fi
  done
  return 1
}

if installed_as_wanted; then
  exit 0 # before looking for a Python: .venv has its own
fi

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
# a newcomer's first run installs for about a minute: say so instead of sitting silent
if [ ! -x .venv/bin/python ]; then
  echo "Setting up .venv (first run, about a minute)…" >&2
else
  echo "Updating .venv (pyproject.toml changed or the checkout moved)…" >&2
fi
if [ ! -x .venv/bin/python ]; then
  "$python_bin" -m venv .venv || {
    echo "setup: could not create .venv (on Debian or Ubuntu: apt-get install python3-venv)" >&2
    exit 1
  }
fi

# pip's output, minus this machine's index notices; a failed install stops here, loudly.
# pip runs quietly; only when it is slow (downloading, building) is a line shown now and then.
pip_install() {
  local log status waited=0
  log="$(mktemp)"
  .venv/bin/python -m pip install --quiet "$@" > "$log" 2>&1 &
  local pip_pid=$!
  while kill -0 "$pip_pid" 2> /dev/null; do
    sleep 1
    waited=$((waited + 1))
    if [ $((waited % 20)) -eq 0 ]; then
      echo "  … still installing (${waited} s; pip is downloading or building packages)" >&2
    fi
  done
  status=0
  wait "$pip_pid" || status=$?
  if [ "$status" -ne 0 ]; then
    cat "$log" >&2
    rm -f "$log"
    echo "setup: pip install $* failed (above)" >&2
    exit 1
  fi
  grep -v -e '^WARNING: Location' -e '^$' "$log" || true
  rm -f "$log"
}
pip_install --upgrade pip
spec="."
[ -n "$extras" ] && spec=".[${extras}]"
# setuptools' "Editable installation." notice is information only (our flat layout is the
# point of an editable install); it is a page of asterisks in a newcomer's first minute.
PYTHONWARNINGS="ignore:Editable installation${PYTHONWARNINGS:+,$PYTHONWARNINGS}" pip_install -e "$spec"
.venv/bin/python -c "import quizzes, bot" # fails loudly if the install did not work
fingerprint .venv/bin/python > "$stamp"
echo "Set up .venv." >&2
