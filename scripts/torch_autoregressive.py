#!/usr/bin/env python3
"""zuko (PyTorch) autoregressive flows of the same architectures as flow-train's `maf` and
`nsf-ar` presets, timed like `flow-train bench --json --dim D` for side-by-side figures.

    scripts/.venv/bin/python scripts/torch_autoregressive.py --dim D [--repeats N] [--threads T]

The models (zuko 1.6):
  maf     zuko.flows.MAF(D, transforms=5, hidden_features=[128, 128]): five masked affine
          autoregressive transforms, orders alternating, as `flow-train train --flow maf`;
  nsf-ar  zuko.flows.NSF(D, transforms=4, bins=16, hidden_features=[64, 64]): four
          autoregressive rational-quadratic splines (zuko's NSF is autoregressive by default),
          as `--flow nsf-ar` (whose splines cover [−4.5, 4.5], zuko's [−5, 5]).
What is timed, as in crates/flow-train/src/bench.rs (10 untimed calls, then --repeats):
  train_step     batch ∈ {512, 1024}: one Adam step on a fixed batch (checkerboard points in
                 2-D, standard normal points otherwise): forward, mean NLL, backward, step;
  log_prob_grid  log p of 40 000 points under no_grad (a 200×200 grid over [−4, 4]² in 2-D),
                 including the copy of the result to NumPy;
  sample         --samples exact samples under no_grad (D sequential passes per transform).
Prints one JSON object per configuration with the keys of `flow-train bench --json`.
"""

import argparse
import json

import numpy as np
import torch
import zuko

from torch_families import checkerboard, timed

MODELS = {
    "maf": (5, lambda d: zuko.flows.MAF(d, transforms=5, hidden_features=[128, 128])),
    "nsf-ar": (4, lambda d: zuko.flows.NSF(d, transforms=4, bins=16, hidden_features=[64, 64])),
}


def points(n, dim, rng):
    if dim != 2:
        return torch.from_numpy(rng.standard_normal((n, dim)).astype(np.float32))
    return checkerboard(n, rng)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dim", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--flow", choices=sorted(MODELS), default=None)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    rng = np.random.default_rng(1)
    backend = f"torch-{args.threads}-thread{'s' if args.threads > 1 else ''}"
    dim = args.dim

    def row(what, flow, layers, batch, timing, rate, repeats):
        median, p10, p90 = timing
        out = dict(what=what, flow=flow, dim=dim, layers=layers, batch=batch, median_ms=median,
                   p10_ms=p10, p90_ms=p90, repeats=repeats, backend=backend)
        if rate:
            out["points_per_s"] = batch / (median / 1e3)
        print(json.dumps(out), flush=True)

    for name, (layers, make) in MODELS.items():
        if args.flow and name != args.flow:
            continue
        for batch in (512, 1024):
            flow = make(dim)
            optimizer = torch.optim.Adam(flow.parameters(), lr=1e-3, eps=1e-7)
            x = points(batch, dim, rng)

            def step():
                optimizer.zero_grad()
                loss = -flow().log_prob(x).mean()
                loss.backward()
                optimizer.step()

            row("train_step", name, layers, batch, timed(step, args.warmup, args.repeats), False,
                args.repeats)
        flow = make(dim)
        if dim == 2:
            centres = (np.arange(200) + 0.5) / 200 * 8.0 - 4.0
            grid = np.stack(np.meshgrid(centres, centres), -1).reshape(-1, 2).astype(np.float32)
            grid = torch.from_numpy(grid)
        else:
            grid = points(40_000, dim, rng)

        def log_prob():
            with torch.no_grad():
                flow().log_prob(grid).numpy()

        repeats = max(args.repeats // 5, 3)
        row("log_prob_grid", name, layers, len(grid), timed(log_prob, 2, repeats), True, repeats)

        def sample():
            with torch.no_grad():
                flow().sample((args.samples,)).numpy()

        row("sample", name, layers, args.samples, timed(sample, 2, repeats), True, repeats)


if __name__ == "__main__":
    main()
