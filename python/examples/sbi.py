"""Simulation-based inference with a simulator written in NumPy: θ = (μ, σ) from a box prior,
x the mean and standard deviation of 10 noisy measurements N(μ, σ²); the posterior q(θ | x) is
trained on 5 000 simulations (neural posterior estimation), then sampled at one observation.

Run: python python/examples/sbi.py  (after `pip install ./python`)
"""

import numpy as np

import flows

rng = np.random.default_rng(0)
box = [(-2.0, 2.0), (0.5, 2.0)]


def simulator(theta):
    """Summaries of 10 measurements per parameter vector: [N, 2] → [N, 2]."""
    draws = theta[:, :1] + theta[:, 1:] * rng.normal(size=(len(theta), 10))
    return np.stack([draws.mean(axis=1), draws.std(axis=1, ddof=1)], axis=1)


theta = np.column_stack([rng.uniform(lo, hi, size=5_000) for lo, hi in box])
x = simulator(theta)

posterior = flows.NPE(prior_box=box)
history = posterior.fit(theta, x, progress=False)
print(f"trained {history['epochs']} epochs in {history['seconds']:.1f} s")

observed = np.array([0.7, 1.2])  # ten measurements had mean 0.7 and standard deviation 1.2
draws = posterior.sample(10_000, observed, seed=1)
for name, values in zip(["mu", "sigma"], draws.T):
    print(f"posterior of {name}: mean {values.mean():.3f}, std {values.std():.3f}")
print(f"inside the prior box, of the posterior's draws: {100 * posterior.last_acceptance:.1f} %")
