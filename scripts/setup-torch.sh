#!/usr/bin/env bash
# Creates the Python environment of the PyTorch references (scripts/.venv: torch, numpy and
# zuko 1.6) if it is missing or incomplete; prints nothing when it is already set up.
#
#   scripts/setup-torch.sh
set -euo pipefail

VENV="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/.venv"
HAS_PACKAGES='import importlib.util as u, sys; sys.exit(not all(u.find_spec(p) for p in ("torch", "numpy", "zuko")))'
if "$VENV/bin/python" -c "$HAS_PACKAGES" 2>/dev/null; then
    exit 0
fi
echo "setting up $VENV (torch, numpy, zuko)" >&2
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet torch numpy zuko==1.6.0
