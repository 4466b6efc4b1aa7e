#!/usr/bin/env bash
# The wgpu checks and timings for a machine with a GPU, in one run.
#
#   scripts/gpu-check.sh [path/to/flow-train] [output-dir]
#
# The binary must be built with `--features wgpu` (it also holds the flex CPU backend for the
# side-by-side figures). Writes the raw JSON lines and logs to the output directory and prints a
# short table at the end.
set -uo pipefail

BIN=${1:-target/release/flow-train}
RESULTS=${2:-gpu-results}
mkdir -p "$RESULTS"
RUN=$(mktemp -d)
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp/xdg-runtime-$$}
mkdir -p "$XDG_RUNTIME_DIR"

step() { echo "== $*" >&2; }

step "adapter"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | tee "$RESULTS/gpu.txt"
nproc | sed 's/^/cpu cores: /' | tee -a "$RESULTS/gpu.txt"

step "bench on wgpu (train steps up to batch 65536, log-density on a 200x200 grid, 100k samples)"
timeout 200 "$BIN" bench --device wgpu --large --repeats 30 --json | tee "$RESULTS/bench-wgpu.jsonl"

step "bench on flex (the CPU backend of the same binary, same machine)"
timeout 100 "$BIN" bench --device flex --repeats 20 --json | tee "$RESULTS/bench-flex.jsonl"

step "short training of the default preset on wgpu, then eval on wgpu and flex"
timeout 90 "$BIN" train --device wgpu --max-epochs 40 --plot-every 0 \
    --artifact-dir "$RUN" 2>&1 | tail -n 3 | tee "$RESULTS/train.log"
for device in wgpu flex; do
    timeout 30 "$BIN" eval --artifact-dir "$RUN" --device "$device" --json | tee -a "$RESULTS/eval.jsonl"
done
timeout 30 "$BIN" sample --artifact-dir "$RUN" --device wgpu -n 100000 \
    --out "$RUN/samples.csv" | tee -a "$RESULTS/train.log"

step "summary"
python3 - "$RESULTS" <<'PY'
import json, sys, pathlib
d = pathlib.Path(sys.argv[1])
rows = {}
for name in ("wgpu", "flex"):
    p = d / f"bench-{name}.jsonl"
    if p.exists():
        for line in p.read_text().splitlines():
            if line.startswith("{"):
                r = json.loads(line)
                rows.setdefault((r["what"], r["layers"], r["batch"]), {})[name] = r
print(f"{'what':<14}{'K':>4}{'batch':>8}{'wgpu ms':>10}{'flex ms':>10}{'wgpu pts/s':>13}")
for key in sorted(rows):
    w, f = rows[key].get("wgpu"), rows[key].get("flex")
    ms = lambda r: f"{r['median_ms']:.3f}" if r else "-"
    rate = f"{w['points_per_s']:.3e}" if w and w.get("points_per_s") else ""
    print(f"{key[0]:<14}{key[1]:>4}{key[2]:>8}{ms(w):>10}{ms(f):>10}{rate:>13}")
PY
