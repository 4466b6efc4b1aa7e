#!/usr/bin/env python3
"""A conditional density known in closed form, for measuring how close a conditional flow
gets to it: x in R^2 given a context c ~ U(-1, 1),

    x | c ~ 1/2 N((+s(c), c), sigma^2 I) + 1/2 N((-s(c), c), sigma^2 I),  s(c) = 1.5 (c + 1),

one mode at c = -1 that splits into two modes 3 apart at c = 1, moving up with c.

    conditional_density.py sample N SEED OUT.csv     # rows x1,x2,c
    conditional_density.py kl ROWS.csv SCORES.csv    # mean of log p_true - log q, with its standard error

The second form reads rows written by the first and the `log_prob` column that
`flow-train score` wrote for them, and prints the expected KL divergence
E_c KL(p(.|c) || q(.|c)) estimated on those rows, in nats, as JSON.
"""
import csv
import json
import math
import random
import sys

SIGMA = 0.3


def spread(c):
    return 1.5 * (c + 1.0)


def log_p(x1, x2, c):
    """log p(x | c) in closed form."""
    s = spread(c)
    norm = -math.log(2.0 * math.pi * SIGMA * SIGMA)
    a = norm - ((x1 - s) ** 2 + (x2 - c) ** 2) / (2 * SIGMA * SIGMA)
    b = norm - ((x1 + s) ** 2 + (x2 - c) ** 2) / (2 * SIGMA * SIGMA)
    top = max(a, b)
    return top + math.log(0.5 * math.exp(a - top) + 0.5 * math.exp(b - top))


def sample(n, seed, out):
    rng = random.Random(seed)
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["x1", "x2", "c"])
        for _ in range(n):
            c = rng.uniform(-1.0, 1.0)
            sign = 1.0 if rng.random() < 0.5 else -1.0
            w.writerow([sign * spread(c) + rng.gauss(0.0, SIGMA), c + rng.gauss(0.0, SIGMA), c])


def kl(rows_path, scores_path):
    with open(rows_path) as f:
        rows = [tuple(map(float, r)) for r in list(csv.reader(f))[1:]]
    with open(scores_path) as f:
        scores = [float(r[0]) for r in list(csv.reader(f))[1:]]
    assert len(rows) == len(scores), "one score per row"
    gaps = [log_p(x1, x2, c) - q for (x1, x2, c), q in zip(rows, scores)]
    n = len(gaps)
    mean = sum(gaps) / n
    sd = math.sqrt(sum((g - mean) ** 2 for g in gaps) / (n - 1))
    print(json.dumps({"rows": n, "kl": mean, "kl_stderr": sd / math.sqrt(n)}))


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "sample":
        sample(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    elif len(sys.argv) == 4 and sys.argv[1] == "kl":
        kl(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
