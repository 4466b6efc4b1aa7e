#!/usr/bin/env bash
# Peak resident memory and step speed of `train --data big.npy` on a large NumPy file,
# beside the same training on a small file, measured with /usr/bin/time -v.
#
#   scripts/npy-memory.sh [ROWS [RESULTS_DIR]]   # default: 100000000 rows, results/npy-memory
#
# Writes ROWS × 4 float32 standard-normal values (ROWS·16 bytes: 1.6 GB for 10⁸ rows) with
# NumPy (the venv of scripts/setup-sbi.sh, or any python3 with numpy), and the first 10⁶
# rows of it as small.npy; trains the default flow on each for one epoch of batches of 65 536
# on flex, and prints a Markdown table: the file's size, peak resident memory, training time
# and time per optimizer step (summary.json).
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-100000000}
OUT=$(realpath -m "${2:-results/npy-memory}")
BIN=${FLOW_TRAIN:-target/release/flow-train}
PYTHON=${PYTHON:-scripts/.venv/bin/python}
[ -x "$PYTHON" ] || PYTHON=python3
mkdir -p "$OUT"
"$PYTHON" - "$ROWS" "$OUT" <<'PY'
import sys
import numpy as np
rows, out = int(sys.argv[1]), sys.argv[2]
big = np.lib.format.open_memmap(f"{out}/big.npy", mode="w+", dtype=np.float32, shape=(rows, 4))
rng = np.random.default_rng(0)
for start in range(0, rows, 1 << 22):
    stop = min(rows, start + (1 << 22))
    big[start:stop] = rng.standard_normal((stop - start, 4), dtype=np.float32)
big.flush()
np.save(f"{out}/small.npy", np.array(big[:1_000_000]))
PY
echo "| file | rows | size | peak resident memory | training | per step |"
echo "|---|---|---|---|---|---|"
for name in small big; do
  file="$OUT/$name.npy"
  run="$OUT/run-$name"
  rm -rf "$run"
  /usr/bin/time -v "$BIN" train --data "$file" --device flex --batch-size 65536 \
      --max-epochs 1 --artifact-dir "$run" >"$OUT/$name.log" 2>"$OUT/$name.time"
  peak_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$OUT/$name.time")
  "$PYTHON" - "$file" "$run/summary.json" "$peak_kb" <<'PY'
import json, os, sys
path, summary, peak_kb = sys.argv[1], json.load(open(sys.argv[2])), int(sys.argv[3])
rows = summary["n_train"] + summary["n_valid"] + summary["n_test"]
steps = -(-summary["n_train"] // 65536) * summary["epochs"]
seconds = summary["train_seconds"]
print(f"| {os.path.basename(path)} | {rows:,} | {os.path.getsize(path) / 1e6:,.0f} MB "
      f"| {peak_kb / 1024:,.0f} MB | {seconds:.1f} s | {seconds / steps * 1e3:.1f} ms |")
PY
done
