#!/usr/bin/env bash
# Reproduces the guide's results tables and pictures (docs/src/results.md) on this machine's CPU (flex backend):
#
#   scripts/results.sh [families|toys|real|fit|all]   # default: all
#   BIN=path/to/flow-train scripts/results.sh ...     # an already built binary
#
# Runs go to results/ (one artifact directory each; a run already summarised is not run
# again, so the script can be stopped and restarted); the tables are printed as Markdown
# and the pictures written to assets/. Timings are those of this machine: run it alone.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${BIN:-}" ]; then
    cargo build --release -p flow-train
    BIN=${CARGO_TARGET_DIR:-target}/release/flow-train
fi
export FLOW_TRAIN_DEVICE=flex
OUT=results
WHAT=${1:-all}

# run DIR ARGS...: one training run into $OUT/DIR unless it has a summary already.
run() {
    local dir=$OUT/$1
    shift
    mkdir -p "$(dirname "$dir")"
    [ -f "$dir/summary.json" ] || "$BIN" "$@" --artifact-dir "$dir" >"$dir.log" 2>&1 || {
        echo "failed: $BIN $* (see $dir.log)" >&2
        return 1
    }
}
mkdir -p "$OUT"

table() { python3 scripts/results_table.py "$@"; }

if [ "$WHAT" = families ] || [ "$WHAT" = all ]; then
    for flow in planar radial realnvp nsf maf nsf-ar; do
        for seed in 0 1 2; do run "families/$flow-$seed" train --flow "$flow" --seed "$seed"; done
    done
    table families "$OUT"/families/*/summary.json
    "$BIN" figure --columns 4 --out assets/families.png \
        --title "The four families' presets on the checkerboard (seed 0)" \
        --artifact-dir "$OUT/families/planar-0" --artifact-dir "$OUT/families/radial-0" \
        --artifact-dir "$OUT/families/realnvp-0" --artifact-dir "$OUT/families/nsf-0"
    for flow in planar radial realnvp nsf; do
        cp "$OUT/families/$flow-0/density.png" "assets/density-$flow.png"
    done
fi

if [ "$WHAT" = toys ] || [ "$WHAT" = all ]; then
    for set in checkerboard 8gaussians circles rings moons swissroll 2spirals pinwheel; do
        run "toys/$set-planar" train --dataset "$set"
        run "toys/$set-nsf" train --dataset "$set" --flow nsf
        "$BIN" figure --columns 2 --out "assets/toy-$set.png" --title "$set" \
            --artifact-dir "$OUT/toys/$set-planar" --artifact-dir "$OUT/toys/$set-nsf"
    done
    table toys "$OUT"/toys/*/summary.json
fi

if [ "$WHAT" = real ] || [ "$WHAT" = all ]; then
    # 272 eruptions: the planar default, stopped 50 epochs after its best.
    run real/faithful-planar train --data assets/faithful.csv --patience 50
    # 1437 training rows of 64 pixels: the flow overfits within tens of epochs, so the
    # patience is in epochs rather than scaled to the preset's number of steps.
    run real/digits-nsf train --flow nsf --data assets/digits.csv --dequantize --patience 20
    run real/digits-maf train --flow maf --data assets/digits.csv --dequantize --patience 20
    run real/digits-nsf-ar train --flow nsf-ar --data assets/digits.csv --dequantize --patience 20
    "$BIN" figure --out assets/faithful.png --title "Old Faithful eruptions" \
        --artifact-dir "$OUT/real/faithful-planar"
    "$BIN" sample --artifact-dir "$OUT/real/digits-nsf" -n 64 --seed 1 \
        --out "$OUT/real/digits-samples.csv" --images assets/digits.png --image-shape 8x8
    table real "$OUT"/real/*/summary.json
fi

if [ "$WHAT" = fit ] || [ "$WHAT" = all ]; then
    dirs=()
    for target in u1 u2 u3 u4; do
        for layers in 2 8 32; do
            for seed in 0 1; do run "fit/$target-k$layers-$seed" fit --target "$target" --layers "$layers" --seed "$seed"; done
            dirs+=(--artifact-dir "$OUT/fit/$target-k$layers-0")
        done
    done
    "$BIN" figure --columns 3 --out assets/fit.png \
        --title "Planar flows fitted to the four energies: K = 2, 8, 32 (seed 0)" "${dirs[@]}"
    table fit "$OUT"/fit/*/summary.json
fi
