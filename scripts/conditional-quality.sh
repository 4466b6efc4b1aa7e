#!/usr/bin/env bash
# How close the conditional flows get to a conditional density known in closed form
# (scripts/conditional_density.py: two modes that move and split with the context): trains
# each family's preset on 50 000 rows (40 000 of them train), scores 20 000 fresh rows and
# prints the expected KL divergence E_c KL(p(.|c) || q(.|c)) = mean(log p_true - log q).
#
#   scripts/conditional-quality.sh [FLOW...]          # default: nsf-ar maf
#   BIN=path/to/flow-train scripts/conditional-quality.sh nsf-ar
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${BIN:-}" ]; then
    cargo build --release -p flow-train
    BIN=${CARGO_TARGET_DIR:-target}/release/flow-train
fi
FLOWS=("$@")
[ ${#FLOWS[@]} -gt 0 ] || FLOWS=(nsf-ar maf)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
python3 scripts/conditional_density.py sample 50000 1 "$WORK/train.csv"
python3 scripts/conditional_density.py sample 20000 2 "$WORK/fresh.csv"

echo "| flow | expected KL (nats) | ± | test NLL | epochs | training time |"
echo "|---|---|---|---|---|---|"
for flow in "${FLOWS[@]}"; do
    "$BIN" train --flow "$flow" --data "$WORK/train.csv" --context-columns c \
        --artifact-dir "$WORK/$flow" >"$WORK/$flow.log" 2>&1
    "$BIN" score --artifact-dir "$WORK/$flow" --input "$WORK/fresh.csv" \
        --out "$WORK/$flow-scores.csv" >/dev/null
    python3 - "$flow" "$WORK/$flow/summary.json" \
        "$(python3 scripts/conditional_density.py kl "$WORK/fresh.csv" "$WORK/$flow-scores.csv")" <<'EOF'
import json, sys
flow, summary, kl = sys.argv[1], json.load(open(sys.argv[2])), json.loads(sys.argv[3])
print(f"| {flow} | {kl['kl']:.4f} | {kl['kl_stderr']:.4f} | {summary['test_nll']:.4f} | "
      f"{summary['epochs']} | {summary['train_seconds']:.0f} s |")
EOF
done
