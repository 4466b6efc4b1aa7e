#!/usr/bin/env bash
# Training throughput on one device and on two (Burn's multi-device strategy), through real
# `train` runs: optimizer steps per second at batches of 1024 and 65 536.
#
#   scripts/devices-bench.sh [RESULTS_DIR [DEVICE-LIST...]]
#   # default: results/devices-bench, the lists flex and flex,flex
#
# For each batch size it writes a checkerboard file of 100 batches' worth of rows (as .npy),
# trains the default flow on it for 2 epochs on each device list, one run after the other, and
# prints a Markdown table: steps, training time (summary.json's train_seconds, validation
# included) and steps per second.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=$(realpath -m "${1:-results/devices-bench}")
shift || true
LISTS=("$@")
[ ${#LISTS[@]} -gt 0 ] || LISTS=(flex flex,flex)
BIN=${FLOW_TRAIN:-target/release/flow-train}
mkdir -p "$OUT"
echo "| devices | batch | steps | training | steps/s |"
echo "|---|---|---|---|---|"
for batch in 1024 65536; do
  data="$OUT/checkerboard-$batch.npy"
  "$BIN" data --dataset checkerboard -n $((batch * 100)) --seed 0 --out "$data" >/dev/null
  for devices in "${LISTS[@]}"; do
    run="$OUT/run-$batch-${devices//[,:]/-}"
    rm -rf "$run"
    "$BIN" train --data "$data" --devices "$devices" --batch-size "$batch" --max-epochs 2 \
        --artifact-dir "$run" >"$run.log" 2>&1
    python3 - "$run/summary.json" "$devices" "$batch" <<'PY'
import json, sys
summary, devices, batch = json.load(open(sys.argv[1])), sys.argv[2], int(sys.argv[3])
steps = -(-summary["n_train"] // batch) * summary["epochs"]
seconds = summary["train_seconds"]
print(f"| {devices} | {batch:,} | {steps} | {seconds:.1f} s | {steps / seconds:.1f} |")
PY
  done
done
