#!/usr/bin/env bash
# Peak resident memory and step speed of `train --data big.npy` on a large NumPy file,
# beside the same training on a small file, measured with /usr/bin/time -v.
#
#   scripts/npy-memory.sh [ROWS [RESULTS_DIR]]   # default: 100000000 rows, results/npy-memory
#
# Writes ROWS × 4 float32 standard-normal values (ROWS·16 bytes: 1.6 GB for 10⁸ rows) with
# NumPy (the venv of scripts/setup-sbi.sh, or any python3 with numpy), and the first 10⁶
# rows of it as small.npy; trains the default flow on each with batches of 65 536 on flex (the
# big file for one epoch, streamed: more than 2²⁸ values; the small one for ten, in memory,
# about a tenth of the big one's steps), and prints a Markdown table: the file's size, peak
# resident memory, training time and time per optimizer step (summary.json), validation
# included in both.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-100000000}
OUT=$(realpath -m "${2:-results/npy-memory}")
BIN=${FLOW_TRAIN:-target/release/flow-train}
PYTHON=${PYTHON:-scripts/.venv/bin/python}
[ -x "$PYTHON" ] || PYTHON=python3
mkdir -p "$OUT"
# The files of an earlier call with the same ROWS are used again.
if [ "$(cat "$OUT/rows.txt" 2>/dev/null)" != "$ROWS" ]; then
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
echo "$ROWS" >"$OUT/rows.txt"
fi
echo "| file | rows | size | peak resident memory | training | per step |"
echo "|---|---|---|---|---|---|"
for name in small big; do
  file="$OUT/$name.npy"
  run="$OUT/run-$name"
  epochs=1
  [ "$name" = small ] && epochs=10
  rm -rf "$run"
  /usr/bin/time -v "$BIN" train --data "$file" --device flex --batch-size 65536 \
      --max-epochs "$epochs" --patience "$epochs" --artifact-dir "$run" \
      >"$OUT/$name.log" 2>"$OUT/$name.time"
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
