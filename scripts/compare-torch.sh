#!/usr/bin/env bash
# Side-by-side timings of flow-train (flex backend) and the PyTorch references scripts/torch_planar.py
# (planar) and scripts/torch_families.py (zuko RealNVP and NSF).
#
#   scripts/compare-torch.sh [--rounds R] [--repeats N] [--compile]   # bench, Markdown table
#   scripts/compare-torch.sh --time-to-quality                          # full training runs
#   add --keep DIR to keep the raw JSON lines, logs and metrics there (default: a temporary folder)
#   BIN=path/to/flow-train scripts/compare-torch.sh ...                 # an already built binary
#
# Bench: R rounds (default 3), each running `flow-train bench --json`, then the torch bench with
# 1 thread, then with 2 threads, all with the same --repeats (default 50); the table gives each
# configuration's median over rounds of the per-round medians, with the min–max over rounds.
# --compile adds a column for torch.compile (1 thread; its first run compiles for minutes).
# Time to quality: trains the `default` preset with flow-train and with torch (1 and 2 threads)
# one after the other, and reports when the validation NLL first reaches 3.8 and 3.6 nats.
# torch's threads are set by --threads and by OMP_NUM_THREADS/MKL_NUM_THREADS; flow-train runs
# with whatever threads its backend uses. Waits (up to 10 minutes) for running cargo/rustc.
set -euo pipefail

ROUNDS=3 REPEATS=50 MODE=bench COMPILE=0 KEEP=
while [ $# -gt 0 ]; do
    case $1 in
        --rounds) ROUNDS=$2; shift 2 ;;
        --repeats) REPEATS=$2; shift 2 ;;
        --compile) COMPILE=1; shift ;;
        --time-to-quality) MODE=ttq; shift ;;
        --keep) KEEP=$2; shift 2 ;;
        *) sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2 ;;
    esac
done
[ -z "$KEEP" ] || KEEP=$(realpath -m "$KEEP")
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/setup-torch.sh
PY=scripts/.venv/bin/python
if [ -z "${BIN:-}" ]; then
    BIN=${CARGO_TARGET_DIR:-target}/release/flow-train
    cargo build --release -p flow-train # nothing to do when it is up to date
fi
if [ -n "$KEEP" ]; then
    WORK=$KEEP
    mkdir -p "$WORK"
    rm -f "$WORK"/ours-*.jsonl "$WORK"/torch?-*.jsonl "$WORK"/compile1-*.jsonl
else
    WORK=$(mktemp -d)
    trap 'rm -rf "$WORK"' EXIT
fi

# Runs torch_planar.py with the given number of threads: torch_run THREADS ARGS...
torch_run() {
    local threads=$1
    shift
    OMP_NUM_THREADS=$threads MKL_NUM_THREADS=$threads "$PY" scripts/torch_planar.py --threads "$threads" "$@"
}

# The load average and the processes busy right now (over half a second), on stderr.
load() {
    echo "$(uptime | sed 's/.*load average/load average/'); busy: $(top -bn2 -d 0.5 -w 200 |
        awk '/^top -/ { frame++ } frame == 2 && $1 ~ /^[0-9]+$/ && $9 + 0 > 5 { printf "%s(%s%%) ", $12, $9 }')" >&2
}

waited=0
while pgrep -x 'cargo|rustc' >/dev/null && [ $waited -lt 600 ]; do
    [ $waited -eq 0 ] && echo "waiting for cargo/rustc to finish (at most 10 minutes)" >&2
    sleep 15
    waited=$((waited + 15))
done
if pgrep -x 'cargo|rustc' >/dev/null; then
    echo "cargo/rustc still running after 10 minutes: measuring anyway" >&2
fi
load

if [ $MODE = bench ]; then
    for round in $(seq "$ROUNDS"); do
        echo "round $round/$ROUNDS" >&2
        "$BIN" bench --device flex --json --repeats "$REPEATS" >"$WORK/ours-$round.jsonl"
        torch_run 1 bench --json --repeats "$REPEATS" >"$WORK/torch1-$round.jsonl"
        # The coupling families against zuko's flows of the same architecture.
        OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 "$PY" scripts/torch_families.py --threads 1 --repeats "$REPEATS" >>"$WORK/torch1-$round.jsonl"
        torch_run 2 bench --json --repeats "$REPEATS" >"$WORK/torch2-$round.jsonl"
        if [ $COMPILE = 1 ]; then
            torch_run 1 bench --compile --json --repeats "$REPEATS" >"$WORK/compile1-$round.jsonl"
        fi
        load
    done
else
    "$BIN" train --device flex --artifact-dir "$WORK/ours" >"$WORK/ours.log"
    load
    for threads in 1 2; do
        torch_run $threads train --out "$WORK/torch$threads.csv" >"$WORK/torch$threads.log"
        load
    done
fi

"$PY" - "$WORK" "$MODE" <<'PY'
import csv, glob, json, statistics, sys
work, mode = sys.argv[1], sys.argv[2]
columns = [("ours", "flow-train flex"), ("torch1", "PyTorch eager, 1 thread"),
           ("torch2", "PyTorch eager, 2 threads"), ("compile1", "torch.compile, 1 thread")]

if mode == "bench":
    runs = {}  # (source, what, layers, batch) -> per-round medians (ms)
    for source, _ in columns:
        for path in sorted(glob.glob(f"{work}/{source}-*.jsonl")):
            for line in open(path):
                r = json.loads(line)
                flow = r.get("flow", "planar")
                runs.setdefault((source, r["what"], flow, r["layers"], r["batch"]), []).append(r["median_ms"])
    columns = [c for c in columns if any(k[0] == c[0] for k in runs)]
    configs = sorted({k[1:] for k in runs}, key=lambda k: (k[0] != "train_step", k))

    def cell(ms, n, per_s):
        text = f"{statistics.median(ms):.2f} ms ({min(ms):.2f}–{max(ms):.2f})"
        return text + (f", {n / statistics.median(ms) / 1e3:.2f} M pts/s" if per_s else "")

    head = ["configuration", columns[0][1]]
    for _, name in columns[1:]:
        head += [name, "ratio"]
    print("| " + " | ".join(head) + " |\n|" + "---|" * len(head))
    for what, flow, layers, batch in configs:
        per_s = what not in ("train_step", "fit_step")
        ours = runs.get(("ours", what, flow, layers, batch))
        row = [f"{what} {flow} K={layers} n={batch}", cell(ours, batch, per_s) if ours else "—"]
        for source, _ in columns[1:]:
            theirs = runs.get((source, what, flow, layers, batch))
            if what == "sample":
                row += ["not timed", ""]
                continue
            row.append(cell(theirs, batch, per_s) if theirs else "—")
            ratio = statistics.median(theirs) / statistics.median(ours) if ours and theirs else None
            row.append(f"{ratio:.2f}×" if ratio else "—")
        print("| " + " | ".join(row) + " |")
    print("\nratio: PyTorch time ÷ flow-train time at the medians (for log_prob_grid the same as"
          " flow-train points/s ÷ PyTorch points/s); above 1 means flow-train is faster.")
else:
    def first_reached(path, level):
        for r in csv.DictReader(open(path)):
            if float(r["valid_nll"]) <= level:
                return f"{float(r['seconds']):.1f} s (epoch {r['epoch']})"
        return "not reached"

    def last_row(path):
        rows = list(csv.DictReader(open(path)))
        return f"{len(rows)} epochs, {float(rows[-1]['seconds']):.1f} s" if rows else "none"

    ours = json.load(open(f"{work}/ours/summary.json"))
    runs = [("flow-train flex", f"{work}/ours/metrics.csv", ours["test_nll"])]
    for threads in (1, 2):
        summary = json.loads(open(f"{work}/torch{threads}.log").read().splitlines()[-1])
        runs.append((f"PyTorch eager, {threads} thread{'s' * (threads > 1)}",
                     f"{work}/torch{threads}.csv", summary["test_nll"]))
    print("| run | valid NLL ≤ 3.8 | valid NLL ≤ 3.6 | best valid NLL | run length | test NLL |")
    print("|---|---|---|---|---|---|")
    for name, path, test in runs:
        best = min(float(r["valid_nll"]) for r in csv.DictReader(open(path)))
        print(f"| {name} | {first_reached(path, 3.8)} | {first_reached(path, 3.6)} | {best:.4f} "
              f"| {last_row(path)} | {test:.4f} |")
PY
