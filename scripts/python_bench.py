#!/usr/bin/env python3
"""The Python package against the command line, zuko and sbi, side by side in one process.

    scripts/setup-sbi.sh && scripts/.venv/bin/pip install ./python
    scripts/.venv/bin/python scripts/python_bench.py overhead [--flow-train target/release/flow-train]
    scripts/.venv/bin/python scripts/python_bench.py zuko [--epochs 20] [--batch 512]
    scripts/.venv/bin/python scripts/python_bench.py sbi [--observations 1-10]
    scripts/.venv/bin/python scripts/python_bench.py sbc [--pairs 1000] [--draws 1000]

overhead  The same work from Python and from Rust. `fit` of the nsf preset on a NumPy
          checkerboard against `flow-train train --data` on the same rows (wall time of the
          call against the process, and the training loop's own seconds of both); `log_prob`
          and `sample` of 10⁶ points against `flow-train score` and `flow-train sample` of the
          same model, whose time of the work is the run on 10⁶ points less a run on one point
          (the process start, the model's load and the file's I/O).
zuko      `flows.Flow("nsf")` against zuko 1.6's NSF of the same architecture (six coupling
          splines of 16 bins, conditioners of three hidden layers of 64: `passes=2`) on the
          same NumPy checkerboard, the same batch size and number of epochs, each validating
          once per epoch; the training loops' times and the NLL of a common test set.
sbi       `flows.NPE` against sbi's `NPE` (its default estimator) on the same 10⁴ two-moons
          simulations from `flows.simulate`: training time, and sbibm's C2ST of 10⁴ posterior
          samples at sbibm's observations against its reference samples.
sbc       `flow-train sbc` (SBC ranks, expected coverage and TARP in one command) on the npe
          preset's posterior of 10⁴ two-moons simulations, against sbi's `run_sbc` +
          `check_sbc` (ranks) and `run_sbc(reduce_fns=posterior.log_prob)` (expected
          coverage) on sbi's NPE posterior of the same simulations, the same pairs and draws.
Prints one JSON object per measurement.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import flows

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sbi_benchmark import observations as observation_list  # noqa: E402


def checkerboard(n, rng):
    """The checkerboard of the blog's experiment, as flow-train's toy set draws it: [n, 2]."""
    x1 = 4.0 * rng.random(n) - 2.0
    x2 = rng.random(n) - 2.0 * (rng.random(n) < 0.5) + np.mod(np.floor(x1), 2.0)
    return 2.0 * np.stack([x1, x2], axis=1)


def report(**fields):
    print(json.dumps(fields), flush=True)


def wall(command):
    """Runs `command` (checked, output discarded); returns its wall time in seconds."""
    start = time.perf_counter()
    subprocess.run([str(c) for c in command], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def overhead(args):
    rng = np.random.default_rng(0)
    data = checkerboard(100_000, rng)
    work = Path(tempfile.mkdtemp(prefix="flows-bench-"))
    np.save(work / "data.npy", data.astype(np.float32))
    cli = [args.flow_train, "train", "--data", work / "data.npy", "--flow", "nsf", "--seed", 0,
           "--valid-fraction", 0.1, "--artifact-dir", work / "cli"]
    if args.fit_epochs:
        cli += ["--max-epochs", args.fit_epochs]
    cli_wall = wall(cli)
    cli_loop = json.loads((work / "cli" / "summary.json").read_text())["train_seconds"]
    flow = flows.Flow("nsf", features=2, seed=0)
    start = time.perf_counter()
    history = flow.fit(data, artifact_dir=work / "py", progress=False,
                       **({"max_epochs": args.fit_epochs} if args.fit_epochs else {}))
    py_wall = time.perf_counter() - start
    report(what="fit", python_s=py_wall, flow_train_s=cli_wall, ratio=py_wall / cli_wall,
           python_loop_s=history["seconds"], flow_train_loop_s=cli_loop,
           loop_ratio=history["seconds"] / cli_loop)

    n = 1_000_000
    points = checkerboard(n, rng)
    np.save(work / "points.npy", points.astype(np.float32))
    np.save(work / "one.npy", points[:1].astype(np.float32))
    model = flows.load(work / "cli")
    for what, python_call, rust_run in [
        ("log_prob", lambda: model.log_prob(points),
         lambda m, name: [args.flow_train, "score", "--artifact-dir", work / "cli",
                          "--input", work / name, "--out", work / f"scores-{m}.npy"]),
        ("sample", lambda: model.sample(n, seed=1),
         lambda m, name: [args.flow_train, "sample", "--artifact-dir", work / "cli",
                          "-n", m, "--seed", 1, "--out", work / f"samples-{m}.npy"]),
    ]:
        python_s = min(timed(python_call) for _ in range(args.repeats))
        full = min(wall(rust_run(n, "points.npy")) for _ in range(args.repeats))
        base = min(wall(rust_run(1, "one.npy")) for _ in range(args.repeats))
        rust_s = full - base
        report(what=what, points=n, python_s=python_s, flow_train_work_s=rust_s,
               flow_train_process_s=full, flow_train_one_point_s=base, ratio=python_s / rust_s)


def timed(call):
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def zuko_comparison(args):
    import torch
    import zuko

    rng = np.random.default_rng(0)
    n_train, n_valid, n_split_test = 40_000, 5_000, 500
    total = n_train + n_valid + n_split_test
    data = checkerboard(total, rng)
    test = checkerboard(20_000, rng)

    flow = flows.Flow("nsf", features=2, seed=0)
    start = time.perf_counter()
    history = flow.fit(data, valid_fraction=n_valid / total, test_fraction=n_split_test / total,
                       max_epochs=args.epochs, patience=args.epochs, batch_size=args.batch,
                       progress=False)
    ours_wall = time.perf_counter() - start
    ours_nll = float(-flow.log_prob(test).mean())

    torch.manual_seed(0)
    model = zuko.flows.NSF(2, transforms=6, bins=16, hidden_features=[64, 64, 64], passes=2)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    train = torch.from_numpy(data[:n_train].astype(np.float32))
    valid = torch.from_numpy(data[n_train:].astype(np.float32))
    start = time.perf_counter()
    for _ in range(args.epochs):
        for batch in train[torch.randperm(n_train)].split(args.batch):
            loss = -model().log_prob(batch).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            float(-model().log_prob(valid).mean())
    zuko_loop = time.perf_counter() - start
    with torch.no_grad():
        zuko_nll = float(-model().log_prob(torch.from_numpy(test.astype(np.float32))).mean())
    report(what="zuko-nsf", epochs=args.epochs, batch=args.batch, train_rows=n_train,
           flows_loop_s=history["seconds"], flows_fit_s=ours_wall, zuko_loop_s=zuko_loop,
           ratio=history["seconds"] / zuko_loop, flows_test_nll=ours_nll, zuko_test_nll=zuko_nll,
           torch_threads=torch.get_num_threads())


def sbi_comparison(args):
    import torch
    from sbi.inference import NPE
    from sbi.utils import BoxUniform

    from sbi_benchmark import c2st, read_csv, sbibm_files

    theta, x = flows.simulate("two-moons", 10_000, seed=0)
    observations = [read_csv(sbibm_files("two-moons", k) / "observation.csv")[0] for k in args.observations]
    references = [read_csv(sbibm_files("two-moons", k) / "reference_posterior_samples.csv.bz2")
                  for k in args.observations]

    posterior = flows.NPE(prior_box=[(-1.0, 1.0), (-1.0, 1.0)], seed=0)
    start = time.perf_counter()
    posterior.fit(theta, x, progress=False)
    ours_s = time.perf_counter() - start
    ours = [c2st(ref, posterior.sample(10_000, x_o, seed=k))
            for k, x_o, ref in zip(args.observations, observations, references)]

    torch.manual_seed(0)
    prior = BoxUniform(-torch.ones(2), torch.ones(2))
    start = time.perf_counter()
    inference = NPE(prior=prior)
    inference.append_simulations(torch.from_numpy(theta).float(), torch.from_numpy(x).float()).train()
    sbi_posterior = inference.build_posterior()
    sbi_s = time.perf_counter() - start
    theirs = [c2st(ref, sbi_posterior.sample((10_000,), x=torch.tensor(x_o[None], dtype=torch.float32),
                                             show_progress_bars=False).numpy())
              for x_o, ref in zip(observations, references)]
    report(what="sbi-npe", task="two-moons", simulations=10_000, observations=args.observations,
           flows_s=ours_s, sbi_s=sbi_s, ratio=ours_s / sbi_s, flows_c2st=float(np.mean(ours)),
           sbi_c2st=float(np.mean(theirs)), flows_c2st_each=ours, sbi_c2st_each=theirs)


def sbc_comparison(args):
    import torch
    from sbi.diagnostics import check_sbc, run_sbc
    from sbi.inference import NPE
    from sbi.utils import BoxUniform

    work = Path(tempfile.mkdtemp(prefix="flows-sbc-"))
    subprocess.run([args.flow_train, "npe", "--task", "two-moons", "--simulations", "10000",
                    "--artifact-dir", str(work / "npe")], check=True, stdout=subprocess.DEVNULL)
    command = [args.flow_train, "sbc", "--artifact-dir", str(work / "npe"), "--task", "two-moons",
               "-n", str(args.pairs), "--samples", str(args.draws), "--seed", "1", "--out", str(work / "sbc")]
    ours_s = wall(command)
    ours = json.loads((work / "sbc" / "sbc.json").read_text())

    theta, x = flows.simulate("two-moons", 10_000, seed=0)
    pairs_theta, pairs_x = flows.simulate("two-moons", args.pairs, seed=1)
    torch.manual_seed(0)
    inference = NPE(prior=BoxUniform(-torch.ones(2), torch.ones(2)))
    inference.append_simulations(torch.from_numpy(theta).float(), torch.from_numpy(x).float()).train()
    posterior = inference.build_posterior()
    thetas, xs = torch.from_numpy(pairs_theta).float(), torch.from_numpy(pairs_x).float()
    start = time.perf_counter()
    ranks, dap = run_sbc(thetas, xs, posterior, num_posterior_samples=args.draws, show_progress_bar=False)
    check_sbc(ranks, thetas, dap, num_posterior_samples=args.draws)
    sbc_s = time.perf_counter() - start
    start = time.perf_counter()
    coverage_ranks, _ = run_sbc(thetas, xs, posterior, num_posterior_samples=args.draws,
                                reduce_fns=posterior.log_prob, show_progress_bar=False)
    coverage_s = time.perf_counter() - start
    report(what="sbc", task="two-moons", pairs=args.pairs, draws=args.draws,
           flow_train_s=ours_s, sbi_ranks_s=sbc_s, sbi_coverage_s=coverage_s,
           ratio=ours_s / (sbc_s + coverage_s), flow_train_verdict=ours["verdict"],
           flow_train_max_coverage_deviation=ours["max_coverage_deviation"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("which", choices=["overhead", "zuko", "sbi", "sbc"])
    parser.add_argument("--flow-train", default="target/release/flow-train")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--fit-epochs", type=int, default=None,
                        help="overhead: cut both runs to this many epochs (default: the preset's)")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--observations", type=observation_list, default=observation_list("1-10"))
    parser.add_argument("--pairs", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=1000)
    args = parser.parse_args()
    {"overhead": overhead, "zuko": zuko_comparison, "sbi": sbi_comparison,
     "sbc": sbc_comparison}[args.which](args)


if __name__ == "__main__":
    main()
