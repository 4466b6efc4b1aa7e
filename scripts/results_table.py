"""Markdown tables of the runs of scripts/results.sh, from their summary.json files.

    python3 scripts/results_table.py {families|toys|real|fit} results/.../summary.json ...

Groups runs that differ only by seed and reports the median (and each value) of the test
NLL (or KL) and of the training time. Standard library only.
"""

import json
import statistics
import sys
from collections import defaultdict

# The data's own entropy in nats (crates/flow-data: DatasetKind::ideal_nll).
IDEAL = {
    "checkerboard": 3.4657, "8gaussians": 2.8319, "circles": 3.2681, "rings": 2.6232,
    "moons": 2.3939, "swissroll": 2.6696, "2spirals": 2.6455, "pinwheel": 2.3178,
}
# KL of a JAX re-implementation of normflows' planar comparison (20 000 steps × 1024).
REFERENCE_KL = {
    ("u1", 8): 0.053, ("u2", 8): 0.17, ("u3", 8): 0.89, ("u4", 8): 1.14,
    ("u1", 32): 0.012, ("u2", 32): 0.07, ("u3", 32): 0.27, ("u4", 32): 0.63,
    ("u1", 2): 0.35, ("u2", 2): 1.56, ("u3", 2): 1.43, ("u4", 2): 1.54,
}


def load(paths):
    runs = [json.load(open(p)) for p in paths]
    groups = defaultdict(list)
    for run in runs:
        key = (run["flow"], run["model"], run["dataset"], run.get("target"))
        groups[key].append(run)
    return groups


def cell(values, digits):
    med = statistics.median(values)
    each = ", ".join(f"{v:.{digits}f}" for v in values)
    return f"{med:.{digits}f} ({each})" if len(values) > 1 else f"{med:.{digits}f}"


def main():
    kind, paths = sys.argv[1], sys.argv[2:]
    groups = load(paths)
    if kind == "fit":
        print("| target | K | KL, seeds 0, 1 (median) | ± | reference | ESS | time |")
        print("|---|---|---|---|---|---|---|")
        rows = sorted(groups.items(), key=lambda kv: (kv[0][3], kv[1][0]["layers"]))
        for (flow, model, data, target), runs in rows:
            k = runs[0]["layers"]
            kl = [r["kl"] for r in runs]
            err = max(r["kl_stderr"] for r in runs)
            ess = [r["ess"] for r in runs]
            ref = REFERENCE_KL.get((target, k), "")
            print(f"| {target} | {k} | {cell(kl, 3)} | {err:.3f} | {ref} | "
                  f"{statistics.median(ess):.0%} | {cell([r['train_seconds'] for r in runs], 0)} s |")
        return
    print("| data | flow | model | test NLL (median; seeds) | ideal | time (s) |")
    print("|---|---|---|---|---|---|")
    for (flow, model, data, _), runs in sorted(groups.items(), key=lambda kv: (kv[0][2], kv[0][0])):
        nll = [r["test_nll"] for r in runs]
        times = [r["train_seconds"] for r in runs]
        ideal = IDEAL.get(data, "")
        dim = runs[0]["dim"]
        extra = ""
        if dim > 2:
            bits = statistics.median(nll) / dim / 0.6931471805599453
            extra = f" = {statistics.median(nll) / dim:.3f} nats/dim = {bits:.3f} bits/dim"
        print(f"| {data} | {flow} | {model} | {cell(nll, 4)}{extra} | {ideal} | {cell(times, 0)} |")


if __name__ == "__main__":
    main()
