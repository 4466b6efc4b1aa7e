#!/usr/bin/env bash
# Creates the Python environment of the PyTorch reference (scripts/.venv, torch and numpy) if
# it is missing or incomplete; prints nothing when it is already set up. Idempotent.
#
#   scripts/setup-torch.sh
set -euo pipefail

VENV="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/.venv"
HAS_PACKAGES='import importlib.util as u, sys; sys.exit(not (u.find_spec("torch") and u.find_spec("numpy")))'
if "$VENV/bin/python" -c "$HAS_PACKAGES" 2>/dev/null; then
    exit 0
fi
echo "setting up $VENV (torch, numpy)" >&2
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet torch numpy
