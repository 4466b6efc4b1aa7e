#!/usr/bin/env python3
"""zuko (PyTorch) flows of the same architectures as flow-train's RealNVP and NSF presets,
timed like `flow-train bench --json` for side-by-side figures.

    scripts/.venv/bin/python scripts/torch_families.py [--repeats N] [--threads T]

(scripts/setup-torch.sh installs torch; `pip install zuko==1.6.0` adds zuko.) The models:
  nsf      zuko.flows.NSF(2, transforms=6, bins=16, hidden_features=[64, 64, 64], passes=2):
           six rational-quadratic spline couplings with 3×64 ReLU conditioners, as
           `flow-train train --flow nsf` (whose splines cover [−4.5, 4.5], zuko's [−5, 5]);
  realnvp  zuko.flows.RealNVP(2, transforms=8, hidden_features=[64, 64]): eight affine
           couplings, as `--flow realnvp` (which adds an ActNorm before each coupling).
What is timed, as in crates/flow-train/src/bench.rs (10 untimed calls, then --repeats):
  train_step     batch ∈ {512, 1024}: one Adam step on a fixed batch of checkerboard points
                 (forward, mean NLL, backward, optimizer step, zeroing the gradients);
  log_prob_grid  log p on the 40 000 cell centres of a 200×200 grid over [−4, 4]² under
                 no_grad, including the copy of the result to NumPy.
Prints one JSON object per configuration with the keys of `flow-train bench --json`.
"""

import argparse
import json
import statistics
import time

import numpy as np
import torch
import zuko

MODELS = {
    "nsf": (6, lambda: zuko.flows.NSF(2, transforms=6, bins=16, hidden_features=[64, 64, 64], passes=2)),
    "realnvp": (8, lambda: zuko.flows.RealNVP(2, transforms=8, hidden_features=[64, 64])),
}


def checkerboard(n, rng):
    x1 = 4.0 * rng.random(n) - 2.0
    x2 = rng.random(n) - 2.0 * (rng.random(n) < 0.5) + np.mod(np.floor(x1), 2.0)
    return torch.from_numpy((2.0 * np.stack([x1, x2], axis=1)).astype(np.float32))


def timed(call, warmup, repeats):
    for _ in range(warmup):
        call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1e3)
    times.sort()
    at = lambda q: times[round((len(times) - 1) * q)]
    return statistics.median(times), at(0.1), at(0.9)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    rng = np.random.default_rng(1)
    backend = f"torch-{args.threads}-thread{'s' if args.threads > 1 else ''}"

    def row(what, flow, layers, batch, timing, points):
        median, p10, p90 = timing
        out = dict(what=what, flow=flow, layers=layers, batch=batch, median_ms=median,
                   p10_ms=p10, p90_ms=p90, repeats=args.repeats, backend=backend)
        if points:
            out["points_per_s"] = batch / (median / 1e3)
        print(json.dumps(out), flush=True)

    for name, (layers, make) in MODELS.items():
        for batch in (512, 1024):
            flow = make()
            optimizer = torch.optim.Adam(flow.parameters(), lr=1e-3, eps=1e-7)
            x = checkerboard(batch, rng)

            def step():
                optimizer.zero_grad()
                loss = -flow().log_prob(x).mean()
                loss.backward()
                optimizer.step()

            row("train_step", name, layers, batch, timed(step, args.warmup, args.repeats), False)
        flow = make()
        centres = (np.arange(200) + 0.5) / 200 * 8.0 - 4.0
        grid = torch.from_numpy(np.stack(np.meshgrid(centres, centres), -1).reshape(-1, 2).astype(np.float32))

        def log_prob():
            with torch.no_grad():
                flow().log_prob(grid).numpy()

        row("log_prob_grid", name, layers, len(grid), timed(log_prob, 2, max(args.repeats // 5, 3)), True)


if __name__ == "__main__":
    main()
