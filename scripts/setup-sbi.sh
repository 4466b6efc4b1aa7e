#!/usr/bin/env bash
# Adds to the Python environment of the PyTorch references (scripts/.venv, made by
# setup-torch.sh) what the simulation-based inference comparison needs: scikit-learn (sbibm's
# C2ST), sbi (its NPE) and the sbibm wheel (its reference posterior samples, installed without
# its dependencies: only its data files are read). Prints nothing when already set up.
#
#   scripts/setup-sbi.sh
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$HERE/.venv"
HAS_PACKAGES='import importlib.util as u, sys; sys.exit(not all(u.find_spec(p) for p in ("sklearn", "sbi", "sbibm")))'
"$HERE/setup-torch.sh"
if "$VENV/bin/python" -c "$HAS_PACKAGES" 2>/dev/null; then
    exit 0
fi
echo "adding scikit-learn, sbi and sbibm's reference posteriors to $VENV" >&2
"$VENV/bin/pip" install --quiet scikit-learn sbi
"$VENV/bin/pip" install --quiet --no-deps sbibm==1.1.0
