#!/usr/bin/env bash
# Side-by-side timings of flow-train's autoregressive flows (`maf`, `nsf-ar` presets, flex
# backend) and zuko's MAF and NSF of the same architectures (scripts/torch_autoregressive.py),
# one thread each, at D = 2, 8 and 64, in one run.
#
#   scripts/compare-autoregressive.sh [--rounds R] [--repeats N] [--dims "2 8 64"] [--keep DIR]
#   BIN=path/to/flow-train scripts/compare-autoregressive.sh
#
# Each round runs, for each D, `flow-train bench --flow F --dim D --samples S --json` and
# then the torch script with 1 thread (RAYON_NUM_THREADS=1 for flow-train); S is 10 000
# samples up to D = 8 and 1000 above (sampling takes D steps per transform). The table gives
# each configuration's median over rounds and flow-train's time as a ratio of zuko's.
set -euo pipefail
ROUNDS=2 REPEATS=30 DIMS="2 8 64" KEEP=
while [ $# -gt 0 ]; do
    case $1 in
        --rounds) ROUNDS=$2; shift 2 ;;
        --repeats) REPEATS=$2; shift 2 ;;
        --dims) DIMS=$2; shift 2 ;;
        --keep) KEEP=$2; shift 2 ;;
        *) sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2 ;;
    esac
done
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/setup-torch.sh
PY=scripts/.venv/bin/python
if [ -z "${BIN:-}" ]; then
    BIN=${CARGO_TARGET_DIR:-target}/release/flow-train
    cargo build --release -p flow-train
fi
if [ -n "$KEEP" ]; then
    WORK=$(realpath -m "$KEEP")
    mkdir -p "$WORK"
    rm -f "$WORK"/*.jsonl
else
    WORK=$(mktemp -d)
    trap 'rm -rf "$WORK"' EXIT
fi
for round in $(seq "$ROUNDS"); do
    for dim in $DIMS; do
        samples=$([ "$dim" -le 8 ] && echo 10000 || echo 1000)
        for flow in maf nsf-ar; do
            RAYON_NUM_THREADS=1 "$BIN" bench --device flex --flow "$flow" --dim "$dim" \
                --samples "$samples" --repeats "$REPEATS" --json >>"$WORK/ours-$round.jsonl"
        done
        OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 "$PY" scripts/torch_autoregressive.py --threads 1 \
            --dim "$dim" --samples "$samples" --repeats "$REPEATS" >>"$WORK/torch-$round.jsonl"
    done
done
python3 - "$WORK" <<'PY'
import glob, json, statistics, sys
from collections import defaultdict
work = sys.argv[1]
runs = defaultdict(list)
for path in glob.glob(f"{work}/*.jsonl"):
    side = "ours" if "/ours-" in path else "zuko"
    for line in open(path):
        r = json.loads(line)
        if r["what"] == "fit_step":
            continue
        runs[(r["flow"], r["dim"], r["what"], r["batch"], side)].append(r["median_ms"])
keys = sorted({k[:4] for k in runs}, key=lambda k: (k[0], k[1], k[2], k[3]))
print("| flow | D | what | batch | flow-train ms | zuko ms | flow-train / zuko time |")
print("|---|---|---|---|---|---|---|")
for key in keys:
    ours, zuko = runs.get(key + ("ours",)), runs.get(key + ("zuko",))
    if not ours or not zuko:
        continue
    a, b = statistics.median(ours), statistics.median(zuko)
    print(f"| {key[0]} | {key[1]} | {key[2]} | {key[3]} | {a:.3f} | {b:.3f} | {a / b:.3f} |")
PY
