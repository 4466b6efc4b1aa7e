#!/usr/bin/env bash
# Where the time of a whole training run goes: samples it with perf (a sampling profiler) and
# groups the samples by what the code does.
#
#   scripts/profile-run.sh [TRAIN FLAGS...]     # default: the default preset (planar)
#   BIN=path/to/flow-train scripts/profile-run.sh --flow nsf
#
# Prints the run's wall time, then a Markdown table: share of the CPU samples per part
# (fused kernels, optimizer, autodiff graph, other tensor operations, data loader, Learner,
# plots, memory copies and allocation, OS). Needs `perf` (Debian: linux-perf) and
# kernel.perf_event_paranoid ≤ 2. Run it alone: the machine's other load shows up as wall time.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${BIN:-}" ]; then
    cargo build --release -p flow-train
    BIN=${CARGO_TARGET_DIR:-target}/release/flow-train
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export FLOW_TRAIN_DEVICE=${FLOW_TRAIN_DEVICE:-flex}

start=$(date +%s.%N)
perf record -F 997 -o "$WORK/perf.data" -- "$BIN" train --artifact-dir "$WORK/run" "$@" \
    >"$WORK/train.log" 2>"$WORK/perf.err"
end=$(date +%s.%N)
tail -n 2 "$WORK/train.log"
python3 -c "import sys; print(f'wall time of the run: {float(sys.argv[2]) - float(sys.argv[1]):.2f} s')" "$start" "$end"

perf report -i "$WORK/perf.data" --no-children --sort dso,symbol --stdio 2>/dev/null |
    python3 -c '
import re, sys
# The first matching pattern names the part; symbols are demangled Rust paths.
PARTS = [
    ("fused kernels (flow_model::kernel)", r"flow_model::kernel|planar_log_prob|fused"),
    ("optimizer (Adam)", r"burn_optim|adam|Adam"),
    ("autodiff graph", r"burn_autodiff"),
    ("data loader and batcher", r"flow_data|DataLoader|batcher|Batcher"),
    ("Learner, metrics, logging", r"burn_train|metric|Metric"),
    ("plots (plotters, PNG)", r"plotters|png|image::|deflate|miniz|ttf|font"),
    ("memory copies", r"memmove|memcpy|memset"),
    ("allocation", r"malloc|free|realloc|_int_|alloc::|mmap|munmap"),
    ("other tensor operations (burn_flex, burn_ndarray)", r"burn_flex|burn_ndarray|burn_backend|burn_tensor|ndarray::|matrixmultiply|gemm"),
    ("OS kernel", r"\[kernel\.kallsyms\]|\[k\]"),
]
totals = {name: 0.0 for name, _ in PARTS}
other = 0.0
for line in sys.stdin:
    m = re.match(r"\s*([0-9.]+)%\s+(.*)", line)
    if not m:
        continue
    share, rest = float(m.group(1)), m.group(2)
    for name, pattern in PARTS:
        if re.search(pattern, rest):
            totals[name] += share
            break
    else:
        other += share
print("| part | share of CPU samples |")
print("|---|---|")
for name, share in sorted(totals.items(), key=lambda kv: -kv[1]):
    print(f"| {name} | {share:.1f}% |")
print(f"| everything else | {other:.1f}% |")
'
