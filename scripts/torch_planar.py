#!/usr/bin/env python3
"""A plain PyTorch planar flow with the same maths as flow-model, for side-by-side figures.

    scripts/.venv/bin/python scripts/torch_planar.py bench [--json] [--repeats N] [--threads T] [--compile]
    scripts/.venv/bin/python scripts/torch_planar.py train [--out metrics.csv] [--seed S] [--threads T] ...

The flow maps data x to the latent z, layer 0 first:
    z = x + û·tanh(wᵀx + b),  û = u + (m(wᵀu) − wᵀu)·w/‖w‖²,  m(a) = −1 + softplus(a),
    log|det J| = log|1 + (1 − tanh²)·wᵀû|, with wᵀû taken as m(wᵀu) (its exact value),
over a standard normal base. Parameters u, w: [K, 2], b: [K]; the layers run in a Python loop
of ordinary tensor operations (as normflows and nflows do), in float32.

`bench` prints one JSON object per configuration with the keys of `flow-train bench --json`.
What is timed, as in crates/flow-train/src/bench.rs (10 untimed calls first, then `--repeats`;
fresh models initialised from --seed, data drawn with --seed + 1):
  train_step     K ∈ {8, 32} × batch ∈ {256, 1024, 4096}: one Adam step (lr 1e-3, eps 1e-7) on
                 a fixed batch of checkerboard points: forward, mean NLL, backward and the
                 optimizer step (plus zeroing the gradients);
  log_prob_grid  K ∈ {8, 32} (flow-train times K = 32 only): log p(x) under no_grad on the
                 40 000 cell centres of a 200×200 grid over [−4, 4]², including the copy of the
                 result to a NumPy array.
Sampling is not timed: this flow cannot be inverted here, flow-train inverts it exactly.

`train` fits the checkerboard with the settings of flow-train's `default` preset and prints one
JSON line per epoch (`seconds`: wall time since training started, validation included), then
one with the test NLL of the best-validation parameters. The data and initial values follow the
same distributions as flow-train's but come from NumPy's and torch's generators, so they differ.
"""

import argparse
import copy
import csv
import json
import math
import sys
import time

import numpy as np
import torch

LN_2PI = math.log(2.0 * math.pi)
SPLIT_SEED_MIX = 0x9E3779B97F4A7C15  # as flow-data: split shuffle seed = seed ^ this


# ---------------------------------------------------------------- data

def checkerboard(n, seed):
    """n points: x1 ~ U[−2, 2), x2 = U[0, 1) − 2·B + (⌊x1⌋ mod 2), B ~ Bernoulli(½); (x1, x2)·2."""
    rng = np.random.default_rng(seed)
    x1 = 4.0 * rng.random(n) - 2.0
    x2 = rng.random(n) - 2.0 * (rng.random(n) < 0.5) + np.mod(np.floor(x1), 2.0)
    points = 2.0 * np.stack([x1, x2], axis=1)
    # Rounded to f32 without crossing the upper edge of the point's 2×2 cell.
    upper = 2.0 * (np.floor(points / 2.0) + 1.0)
    out = points.astype(np.float32)
    over = out.astype(np.float64) >= upper
    out[over] = np.nextafter(upper[over].astype(np.float32), np.float32(-np.inf))
    return torch.from_numpy(out)


def splits(n_train, n_valid, n_test, seed):
    """Generate n_train + n_valid + n_test points, shuffle them, cut them in three."""
    points = checkerboard(n_train + n_valid + n_test, seed)
    order = np.random.default_rng(seed ^ SPLIT_SEED_MIX).permutation(len(points))
    points = points[torch.from_numpy(order)]
    return points[:n_train], points[n_train:n_train + n_valid], points[n_train + n_valid:]


def grid_centres(cells, lo=-4.0, hi=4.0):
    """The cell centres of a cells×cells grid, row-major (y outer, x inner), as flow-train."""
    step = (hi - lo) / cells
    c = lo + (np.arange(cells) + 0.5) * step
    y, x = np.meshgrid(c, c, indexing="ij")
    return torch.from_numpy(np.stack([x.ravel(), y.ravel()], axis=1).astype(np.float32))


# ---------------------------------------------------------------- model

def stable_softplus(a):
    return a.clamp_min(0.0) + torch.log1p(torch.exp(-a.abs()))


class PlanarFlow(torch.nn.Module):
    def __init__(self, layers, dim=2, init_bound=None, generator=None):
        super().__init__()
        bound = 1.0 / math.sqrt(dim) if init_bound is None else init_bound

        def uniform(*shape):
            return torch.nn.Parameter(
                torch.empty(*shape).uniform_(-bound, bound, generator=generator))

        self.u, self.w, self.b = uniform(layers, dim), uniform(layers, dim), uniform(layers)

    def log_prob(self, x):
        z, log_det = x, torch.zeros(x.shape[0], dtype=x.dtype)
        for u, w, b in zip(self.u, self.w, self.b):
            w_dot_u = torch.dot(w, u)
            m = stable_softplus(w_dot_u) - 1.0
            u_hat = u + (m - w_dot_u) * w / torch.dot(w, w)
            h = torch.tanh(z @ w + b)
            z = z + h[:, None] * u_hat
            log_det = log_det + torch.log(torch.abs(1.0 + (1.0 - h * h) * m))
        return -0.5 * (z * z).sum(1) - 0.5 * z.shape[1] * LN_2PI + log_det


# ---------------------------------------------------------------- bench

def timed(warmup, repeats, call):
    """Median, p10, p90 in ms, picked from the sorted times as flow-train does."""
    for _ in range(warmup):
        call()
    ms = []
    for _ in range(max(repeats, 1)):
        started = time.perf_counter()
        call()
        ms.append((time.perf_counter() - started) * 1e3)
    ms.sort()
    # The index (n − 1)·q rounded half away from zero, as Rust's f64::round.
    return tuple(ms[math.floor((len(ms) - 1) * q + 0.5)] for q in (0.5, 0.1, 0.9))


def bench(args):
    backend = "torch-compile" if args.compile else "torch-eager"

    def log_prob_of(model):
        return torch.compile(model.log_prob) if args.compile else model.log_prob

    def emit(what, layers, batch, timing, points=False):
        median, p10, p90 = timing
        row = {"what": what, "layers": layers, "batch": batch, "median_ms": median,
               "p10_ms": p10, "p90_ms": p90}
        if points:
            row["points_per_s"] = batch / (median / 1e3)
        row.update(repeats=args.repeats, backend=backend)
        if args.json:
            print(json.dumps(row, separators=(",", ":")), flush=True)
        else:
            rate = f"{row['points_per_s']:.3e}" if points else ""
            print(f"{what:<14} {layers:>6} {batch:>7} {median:>11.3f} "
                  f"{p10:>10.3f} - {p90:>8.3f} {rate:>14}", flush=True)

    if not args.json:
        print(f"{'what':<14} {'layers':>6} {'batch':>7} {'median ms':>11} "
              f"{'p10-p90 ms':>21} {'points/s':>14}")
    for layers in (8, 32):
        for batch in (256, 1024, 4096):
            x = checkerboard(batch, args.seed + 1)
            model = PlanarFlow(layers, generator=torch.Generator().manual_seed(args.seed))
            log_prob = log_prob_of(model)
            optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)

            def step():
                optimizer.zero_grad(set_to_none=True)
                loss = -log_prob(x).mean()
                loss.backward()
                optimizer.step()

            emit("train_step", layers, batch, timed(args.warmup, args.repeats, step))

    grid = grid_centres(200)
    for layers in (8, 32):
        model = PlanarFlow(layers, generator=torch.Generator().manual_seed(args.seed))
        log_prob = log_prob_of(model)

        def evaluate():
            with torch.no_grad():
                log_prob(grid).numpy()

        emit("log_prob_grid", layers, len(grid), timed(args.warmup, args.repeats, evaluate), True)


# ---------------------------------------------------------------- train

def train(args):
    torch.manual_seed(args.seed)
    train_x, valid_x, test_x = splits(args.train_size, args.valid_size, args.test_size, args.seed)
    init = torch.Generator().manual_seed(args.seed)
    model = PlanarFlow(args.layers, init_bound=args.init_bound, generator=init)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, eps=args.adam_eps)
    steps_per_epoch = math.ceil(args.train_size / args.batch_size)
    total = max(args.max_epochs * steps_per_epoch, 1)

    def rate_at(step):  # square-root (power 0.5) polynomial decay over the whole run
        progress = min(step, total) / total
        return (args.lr - args.final_lr) * (1.0 - progress) ** args.power + args.final_lr

    shuffle = torch.Generator().manual_seed(args.seed)
    rows, best, best_state, stopped, step = [], None, None, "max_epochs", 0
    writer = None
    if args.out:
        out_file = open(args.out, "w", newline="")
        writer = csv.writer(out_file)
        writer.writerow(["epoch", "train_nll", "valid_nll", "seconds"])
    started = time.perf_counter()
    for epoch in range(1, args.max_epochs + 1):
        order = torch.randperm(args.train_size, generator=shuffle)
        nll_sum = 0.0
        for i in range(steps_per_epoch):
            batch = train_x[order[i * args.batch_size:(i + 1) * args.batch_size]]
            for group in optimizer.param_groups:
                group["lr"] = rate_at(step)
            nll = -model.log_prob(batch)
            optimizer.zero_grad(set_to_none=True)
            nll.mean().backward()
            optimizer.step()
            nll_sum += nll.detach().double().sum().item()
            step += 1
        with torch.no_grad():
            valid_nll = -model.log_prob(valid_x).double().mean().item()
        row = {"epoch": epoch, "train_nll": nll_sum / args.train_size,
               "valid_nll": valid_nll, "seconds": time.perf_counter() - started}
        rows.append(row)
        print(json.dumps(row), flush=True)
        if writer:
            writer.writerow(row.values())
            out_file.flush()
        if not (math.isfinite(row["train_nll"]) and math.isfinite(valid_nll)):
            stopped = f"diverged at epoch {epoch}"
            break
        if best is None or valid_nll < best["valid_nll"]:
            best, best_state = row, copy.deepcopy(model.state_dict())
        elif epoch - best["epoch"] >= args.patience:
            stopped = "early_stopped"
            break
    train_seconds = time.perf_counter() - started
    if writer:
        out_file.close()

    test_nll = None
    if best_state is not None:
        model.load_state_dict(best_state)
        with torch.no_grad():
            test_nll = -model.log_prob(test_x).double().mean().item()
    print(json.dumps({"test_nll": test_nll, "best_epoch": best and best["epoch"],
                      "best_valid_nll": best and best["valid_nll"], "epochs": len(rows),
                      "train_seconds": train_seconds, "stopped": stopped,
                      "threads": torch.get_num_threads()}), flush=True)


# ---------------------------------------------------------------- command line

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    sub = parser.add_subparsers(dest="command", required=True)

    b = sub.add_parser("bench", help="time train steps and the log-density on a grid")
    b.add_argument("--json", action="store_true", help="one JSON object per line")
    b.add_argument("--repeats", type=int, default=50, help="timed calls per configuration")
    b.add_argument("--warmup", type=int, default=10, help="untimed calls first")
    b.add_argument("--compile", action="store_true", help="wrap log_prob in torch.compile")

    t = sub.add_parser("train", help="fit the checkerboard (flow-train's default preset)")
    t.add_argument("--layers", type=int, default=32)
    t.add_argument("--train-size", type=int, default=65_536)
    t.add_argument("--valid-size", type=int, default=8_192)
    t.add_argument("--test-size", type=int, default=20_000)
    t.add_argument("--batch-size", type=int, default=1024)
    t.add_argument("--max-epochs", type=int, default=170)
    t.add_argument("--patience", type=int, default=30)
    t.add_argument("--lr", type=float, default=3e-2, help="learning rate at step 0")
    t.add_argument("--final-lr", type=float, default=1.5e-3, help="learning rate at the end")
    t.add_argument("--power", type=float, default=0.5, help="exponent of the polynomial decay")
    t.add_argument("--adam-eps", type=float, default=1e-7)
    t.add_argument("--init-bound", type=float, default=None,
                   help="u, w, b ~ U(−bound, bound) [default: 1/√D]")
    t.add_argument("--out", help="also write the epochs as CSV (epoch,train_nll,valid_nll,seconds)")
    for p in (b, t):  # also accepted after the subcommand
        p.add_argument("--threads", type=int, default=argparse.SUPPRESS, help="torch threads")
        p.add_argument("--seed", type=int, default=argparse.SUPPRESS,
                       help="seed of data, split, shuffling and initial weights [default: 0]")

    args = parser.parse_args()
    args.seed = getattr(args, "seed", 0)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    if args.command == "bench":
        bench(args)
    else:
        if args.batch_size > args.train_size:
            sys.exit("--batch-size is larger than the training split")
        train(args)


if __name__ == "__main__":
    main()
