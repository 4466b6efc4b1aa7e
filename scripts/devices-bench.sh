#!/usr/bin/env bash
# Training throughput on one device, on two (Burn's multi-device strategy) and through the
# remote backend on loopback: `flow-train bench --devices`, optimizer steps per second of real
# training runs (the default planar flow, 2 epochs of 50 batches, validation included) at
# batches of 1024 and 65 536, one placement after the other.
#
#   scripts/devices-bench.sh [DEVICE-LIST...]     # default: flex,flex
#
# With a binary built with `--features remote` it also starts two `flow-train serve` of the
# first device on loopback and times one and both of them. Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
LISTS=("$@")
[ ${#LISTS[@]} -gt 0 ] || LISTS=(flex,flex)
BIN=${FLOW_TRAIN:-target/release/flow-train}

SERVERS=()
cleanup() { for pid in "${SERVERS[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

# Starts a server of device $1 on a free loopback port; prints its ws:// address.
serve() {
  local log
  log=$(mktemp)
  "$BIN" serve --listen 127.0.0.1:0 --device "$1" >"$log" 2>/dev/null &
  SERVERS+=($!)
  for _ in $(seq 100); do
    grep -q ' at ws://' "$log" && break
    sleep 0.1
  done
  sed -n 's/.* at \(ws:[^ ]*\).*/\1/p' "$log"
}

if ! "$BIN" serve --listen nowhere 2>&1 | grep -q "no remote backend"; then
  first=${LISTS[0]%%,*}
  LISTS+=("$(serve "$first"),$(serve "$first")")
fi

echo "| devices | batch | steps | training | steps/s |"
echo "|---|---|---|---|---|"
for devices in "${LISTS[@]}"; do
  "$BIN" bench --devices "$devices" --json | python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    devices, batch, steps = ",".join(r["devices"]), r["batch"], r["steps"]
    seconds, rate = r["seconds"], r["steps_per_s"]
    print(f"| {devices} | {batch:,} | {steps} | {seconds:.2f} s | {rate:.1f} |")
'
done
