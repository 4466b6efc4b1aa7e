"""Quick start: a neural spline flow fitted to a NumPy checkerboard, then scored, sampled,
saved, and loaded again.

Run: python python/examples/quick_start.py  (after `pip install ./python`)
"""

import numpy as np

import flows


def checkerboard(n, rng):
    """n points spread uniformly over the black squares of a 4 × 4 board on [-2, 2]²."""
    x = rng.uniform(-2, 2, size=n)
    y = rng.uniform(-2, 2, size=n)
    y = np.where(np.floor(x) % 2 == np.floor(y) % 2, y, -y)
    return np.stack([x, y], axis=1)


rng = np.random.default_rng(0)
train, test = checkerboard(20_000, rng), checkerboard(2_000, rng)

flow = flows.Flow("nsf", features=2, seed=0, transforms=4, hidden=32)
history = flow.fit(train, max_epochs=15, progress=False)
print(f"trained {history['epochs']} epochs in {history['seconds']:.1f} s; best epoch {history['best_epoch']}")

nll = -flow.log_prob(test).mean()
print(f"test NLL {nll:.3f} nats (uniform on the board: {np.log(8):.3f})")

samples = flow.sample(5_000, seed=1)
inside = np.mean(np.floor(samples[:, 0]) % 2 == np.floor(samples[:, 1]) % 2)
print(f"samples on black squares: {100 * inside:.1f} %")

flow.save("artifacts/python-quick-start")
again = flows.load("artifacts/python-quick-start")
assert np.allclose(again.log_prob(test[:10]), flow.log_prob(test[:10]), atol=1e-5)
print("saved to artifacts/python-quick-start (any flow-train command reads it) and loaded again")
