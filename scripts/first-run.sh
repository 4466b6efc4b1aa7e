#!/usr/bin/env bash
# What a newcomer meets on a fresh machine: the first build and the default run of each way
# the README gives to start, each from a clean clone with a target directory of its own.
#
#   scripts/first-run.sh [RESULTS_DIR [LEG...]]   # default: results/first-run, every leg
#   (legs: release, dev-ndarray, dev-wgpu)
#
# Runs, one after the other (run it alone: the build times are the machine's whole time):
#   cargo run --release -p flow-train
#   cargo run -p flow-train --features ndarray
#   cargo run -p flow-train --features wgpu      (needs a Vulkan driver; lavapipe will do)
# and prints a Markdown table: build time, training time (summary.json's train_seconds) and
# the backend summary.json names. Needs the crates in cargo's cache or a registry to reach.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=$(realpath -m "${1:-results/first-run}")
shift || true
LEGS=("$@")
[ ${#LEGS[@]} -gt 0 ] || LEGS=(release dev-ndarray dev-wgpu)
mkdir -p "$OUT"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
git clone -q . "$WORK/clone"
# A working tree's uncommitted changes come along, so that what is measured is what is here.
git diff HEAD | git -C "$WORK/clone" apply --allow-empty
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp/xdg-runtime-$(id -u)}"
mkdir -p -m 700 "$XDG_RUNTIME_DIR"
unset FLOW_TRAIN_DEVICE

measure() { # NAME CARGO-ARGS...
    local name=$1
    shift
    [[ " ${LEGS[*]} " == *" $name "* ]] || return 0
    local target="$WORK/target-$name" log="$OUT/$name.log"
    local start end
    start=$(date +%s.%N)
    (cd "$WORK/clone" && CARGO_TARGET_DIR="$target" cargo build "$@") >"$log" 2>&1
    end=$(date +%s.%N)
    local build
    build=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.0f}')" "$start" "$end")
    # The command as written: it trains the default preset into artifacts/checkerboard/.
    rm -rf "$WORK/clone/artifacts"
    (cd "$WORK/clone" && CARGO_TARGET_DIR="$target" cargo run "$@") >>"$log" 2>&1
    cp "$WORK/clone/artifacts/checkerboard/summary.json" "$OUT/$name-summary.json"
    python3 - "$name" "$build" "$OUT/$name-summary.json" "$*" <<'EOF'
import json, sys
name, build, path, args = sys.argv[1:]
s = json.load(open(path))
print(f"| `cargo run {args}` | {build} s | {s['train_seconds']:.1f} s | {s['test_nll']:.4f} | {s['backend']} |")
EOF
}

echo "| command | first build | training | test NLL | backend |"
echo "|---|---|---|---|---|"
measure release --release -p flow-train
measure dev-ndarray -p flow-train --features ndarray
measure dev-wgpu -p flow-train --features wgpu
