#!/usr/bin/env bash
# Installs the Python package of this checkout into a fresh virtual environment as a user
# would (`pip install ./python`), prints how long that took, then runs the quick start
# against the installed package. Run it from a clean clone to time a first install (the
# build compiles Burn: most of the time); a second run reuses the checkout's target/.
#
#   scripts/python-install.sh [VENV]     (default: a new folder under /tmp)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${1:-$(mktemp -d)/venv}"
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --upgrade pip
started=$(date +%s)
(cd "$ROOT" && "$VENV/bin/pip" install --quiet ./python)
echo "pip install ./python took $(( $(date +%s) - started )) s (into $VENV)"
"$VENV/bin/python" -c 'import flows; print("flows", flows.__version__, "from", flows.__file__)'
(cd "$(mktemp -d)" && "$VENV/bin/python" "$ROOT/python/examples/quick_start.py")
