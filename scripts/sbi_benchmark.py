"""Neural posterior estimation against the sbibm benchmark: `flow-train npe` (and, with
--sbi, the sbi package's NPE on the very same simulations), scored by sbibm's C2ST against
sbibm's reference posterior samples at its observations.

    scripts/setup-sbi.sh
    scripts/.venv/bin/python scripts/sbi_benchmark.py --flow-train target/release/flow-train \
        --tasks two-moons slcp --budgets 1000 10000 --observations 1-10 [--sbi maf nsf] \
        [--rounds 5] --out results/sbi

For each task and number of simulations: `flow-train npe` (timed: simulation and training;
with --rounds R > 1, sequential `npe --rounds R --observation K` once per observation, timed
per observation),
then 10 000 posterior samples at each observation (`flow-train sample --context x_o`); with
--sbi, sbi's NPE trained on the simulations.csv that npe wrote (timed: training), 10 000
samples each. Every sample is scored by `c2st` below against the reference posterior. Writes
one JSON line per run and observation to OUT/results.jsonl and prints a Markdown table of the
means over the observations.
"""

import argparse
import bz2
import csv
import importlib.util
import json
import math
import subprocess
import time
from pathlib import Path

import numpy as np
from sklearn.model_selection import KFold, cross_val_score
from sklearn.neural_network import MLPClassifier

# sbibm's folder name of each task.
TASK_DIRS = {
    "gaussian-linear": "gaussian_linear",
    "gaussian-linear-uniform": "gaussian_linear_uniform",
    "bernoulli-glm": "bernoulli_glm",
    "bernoulli-glm-raw": "bernoulli_glm",
    "two-moons": "two_moons",
    "gaussian-mixture": "gaussian_mixture",
    "slcp": "slcp",
    "slcp-distractors": "slcp",
    "sir": "sir",
    "lotka-volterra": "lotka_volterra",
}
SAMPLES = 10_000


def observation_csv(task, k):
    """sbibm's file of observation `k` of `task` (the raw GLM observes the spikes; the
    distractors task shares slcp's folder)."""
    name = {"bernoulli-glm-raw": "observation_raw.csv",
            "slcp-distractors": "observation_distractors.csv"}.get(task, "observation.csv")
    return sbibm_files(task, k) / name


def c2st(reference, samples, seed=1, folds=5):
    """sbibm's classifier two-sample test: the 5-fold cross-validated accuracy of an MLP
    (two hidden layers of 10·dim units) telling `samples` from `reference`, both z-scored by
    the reference's mean and standard deviation (ddof 1). 0.5: indistinguishable."""
    mean, std = reference.mean(axis=0), reference.std(axis=0, ddof=1)
    x = (reference - mean) / std
    y = (samples - mean) / std
    dim = reference.shape[1]
    classifier = MLPClassifier(
        activation="relu",
        hidden_layer_sizes=(10 * dim, 10 * dim),
        max_iter=10_000,
        solver="adam",
        random_state=seed,
    )
    data = np.concatenate([x, y])
    target = np.concatenate([np.zeros(len(x)), np.ones(len(y))])
    cv = KFold(n_splits=folds, shuffle=True, random_state=seed)
    return float(np.mean(cross_val_score(classifier, data, target, cv=cv, scoring="accuracy")))


def sbibm_files(task, observation):
    """The folder of sbibm's files of `task` at observation `observation` (1-based)."""
    spec = importlib.util.find_spec("sbibm")
    root = Path(spec.origin).parent
    return root / "tasks" / TASK_DIRS[task] / "files" / f"num_observation_{observation}"


def read_csv(path):
    """A CSV file with a header row (bz2-compressed if its name says so) as an array."""
    opener = bz2.open if path.suffix == ".bz2" else open
    with opener(path, "rt") as f:
        rows = list(csv.reader(f))
    return np.array([[float(v) for v in row] for row in rows[1:]])


def run(command):
    """Runs `command`, failing loudly; returns its wall time."""
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def ours(args, task, budget, dir):
    """`flow-train npe`, then samples at each observation: (seconds, {observation: samples})."""
    seconds = run([args.flow_train, "npe", "--task", task, "--simulations", str(budget),
                   "--seed", str(args.seed), "--artifact-dir", str(dir)] + args.npe_flags)
    samples = {}
    for k in args.observations:
        x_o = read_csv(observation_csv(task, k))[0]
        out = dir / f"posterior-{k}.csv"
        run([args.flow_train, "sample", "--artifact-dir", str(dir), "-n", str(SAMPLES),
             "--seed", str(k), "--context", ",".join(repr(float(v)) for v in x_o),
             "--out", str(out)])
        samples[k] = read_csv(out)
    return seconds, samples


def ours_sequential(args, task, budget, dir):
    """`flow-train npe --rounds R` once per observation (TSNPE targets one), then samples
    there: (mean seconds per observation, {observation: samples})."""
    seconds, samples = [], {}
    for k in args.observations:
        run_dir = dir / f"rounds-{args.rounds}-observation-{k}"
        seconds.append(run([args.flow_train, "npe", "--task", task, "--simulations", str(budget),
                            "--rounds", str(args.rounds), "--observation", str(k),
                            "--seed", str(args.seed), "--artifact-dir", str(run_dir)]
                           + args.npe_flags))
        out = run_dir / "posterior.csv"
        run([args.flow_train, "sample", "--artifact-dir", str(run_dir), "-n", str(SAMPLES),
             "--seed", str(k), "--observation", str(k), "--out", str(out)])
        samples[k] = read_csv(out)
    return float(np.mean(seconds)), samples


def theirs(args, task, estimator, simulations):
    """sbi's NPE with `estimator` on the simulations: (seconds, {observation: samples})."""
    import torch
    from sbi.inference import NPE
    from sbi.utils import BoxUniform

    values = read_csv(simulations)
    with open(simulations) as f:
        header = next(csv.reader(f))
    k = sum(name.startswith("theta") for name in header)
    theta = torch.tensor(values[:, :k], dtype=torch.float32)
    x = torch.tensor(values[:, k:], dtype=torch.float32)
    if task == "gaussian-linear":
        prior = torch.distributions.MultivariateNormal(torch.zeros(k), 0.1 * torch.eye(k))
    elif task in ("sir", "lotka-volterra"):
        loc, scale = {"sir": ([math.log(0.4), math.log(0.125)], [0.5, 0.2]),
                      "lotka-volterra": ([-0.125, -3.0, -0.125, -3.0], [0.5] * 4)}[task]
        prior = torch.distributions.Independent(
            torch.distributions.LogNormal(torch.tensor(loc), torch.tensor(scale)), 1)
    elif task.startswith("bernoulli-glm"):
        import sbibm
        prior = sbibm.get_task("bernoulli_glm").prior_dist
    else:
        bound = {"gaussian-linear-uniform": 1.0, "two-moons": 1.0, "gaussian-mixture": 10.0,
                 "slcp": 3.0, "slcp-distractors": 3.0}[task]
        prior = BoxUniform(-bound * torch.ones(k), bound * torch.ones(k))
    torch.manual_seed(args.seed)
    start = time.perf_counter()
    inference = NPE(prior=prior, density_estimator=estimator)
    inference.append_simulations(theta, x).train()
    posterior = inference.build_posterior()
    seconds = time.perf_counter() - start
    samples = {}
    for obs in args.observations:
        x_o = torch.tensor(read_csv(observation_csv(task, obs))[0:1],
                           dtype=torch.float32)
        samples[obs] = posterior.sample((SAMPLES,), x=x_o, show_progress_bars=False).numpy()
    return seconds, samples


def observations(text):
    """`1-10` or `1,3,5` as a list of integers."""
    if "-" in text:
        lo, hi = text.split("-")
        return list(range(int(lo), int(hi) + 1))
    return [int(v) for v in text.split(",")]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flow-train", default="target/release/flow-train")
    parser.add_argument("--tasks", nargs="+", default=list(TASK_DIRS))
    parser.add_argument("--budgets", nargs="+", type=int, default=[1000, 10_000, 100_000])
    parser.add_argument("--observations", type=observations, default=observations("1-10"))
    parser.add_argument("--sbi", nargs="*", default=[], help="sbi estimators: maf, nsf")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=1,
                        help="R > 1: sequential npe (TSNPE) in R rounds, once per observation")
    parser.add_argument("--npe-flags", nargs=argparse.REMAINDER, default=[],
                        help="further flags of flow-train npe (last)")
    parser.add_argument("--out", type=Path, default=Path("results/sbi"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    table = []
    with open(args.out / "results.jsonl", "a") as log:
        for task in args.tasks:
            for budget in args.budgets:
                dir = args.out / f"{task}-{budget}"
                if args.rounds > 1:
                    methods = [(f"flow-train npe --rounds {args.rounds}",
                                lambda: ours_sequential(args, task, budget, dir))]
                else:
                    methods = [("flow-train npe", lambda: ours(args, task, budget, dir))]
                methods += [(f"sbi NPE ({e})", lambda e=e: theirs(args, task, e, dir / "simulations.csv"))
                            for e in args.sbi]
                for name, method in methods:
                    seconds, samples = method()
                    scores = []
                    for k, drawn in samples.items():
                        reference = read_csv(sbibm_files(task, k) / "reference_posterior_samples.csv.bz2")
                        score = c2st(reference[:SAMPLES], drawn[:SAMPLES])
                        scores.append(score)
                        log.write(json.dumps({"method": name, "task": task, "simulations": budget,
                                              "observation": k, "c2st": score,
                                              "seconds": seconds}) + "\n")
                        log.flush()
                    row = (name, task, budget, float(np.mean(scores)), seconds)
                    print("| {} | {} | {} | {:.3f} | {:.1f} s |".format(*row), flush=True)
                    table.append(row)
    print("\n| method | task | simulations | C2ST (mean) | wall time |\n|---|---|---|---|---|")
    for row in table:
        print("| {} | {} | {} | {:.3f} | {:.1f} s |".format(*row))


if __name__ == "__main__":
    main()
