#!/usr/bin/env python3
"""Float64 reference values of the four 2-D energies of Rezende & Mohamed 2015 (Figure 3).

Regenerate with (from the repository root):

    scripts/.venv/bin/python scripts/reference_energies.py

Writes crates/flow-model/tests/data/energy_vectors.json.

With w1 = sin(2 pi z1 / 4), w2 = 3 exp(-((z1 - 1)/0.6)^2 / 2), w3 = 3 sigmoid((z1 - 1)/0.3):
  U1 = ((|z| - 2)/0.4)^2 / 2 - ln(exp(-((z1 - 2)/0.6)^2 / 2) + exp(-((z1 + 2)/0.6)^2 / 2))
  U2 = ((z2 - w1)/0.4)^2 / 2
  U3 = -ln(exp(-((z2 - w1)/0.35)^2 / 2) + exp(-((z2 - w1 + w2)/0.35)^2 / 2))
  U4 = -ln(exp(-((z2 - w1)/0.4)^2 / 2) + exp(-((z2 - w1 + w3)/0.35)^2 / 2))
U2, U3 and U4 are given in confined form, (z1^4 + z2^4)/8192 added, so that exp(-U) is
integrable; U1 is unchanged. The log-sum-exp terms are evaluated stably, so the values stay
finite far from the origin.

log Z = ln of the integral of exp(-U) over R^2, computed two ways: the trapezoid rule on a
uniform grid over [-25, 25]^2 (spacing 0.01; the integrands are smooth and negligible at the
border), and nested adaptive Gauss-Kronrod quadrature (scipy.integrate.quad) with the inner
integral over z2 split at the modes. The two must agree to 1e-7, and log Z of U1 must match the
known quadrature value 1.87750 to 1e-4.
"""

import json
import math
import os

import numpy as np
from scipy import integrate
from scipy.special import expit, logsumexp

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "crates", "flow-model", "tests", "data", "energy_vectors.json")


def lse2(a, b):
    return logsumexp(np.stack(np.broadcast_arrays(a, b)), axis=0)


def energies(z1, z2):
    z1, z2 = np.asarray(z1, float), np.asarray(z2, float)
    w1 = np.sin(2 * np.pi * z1 / 4)
    w2 = 3 * np.exp(-0.5 * ((z1 - 1) / 0.6) ** 2)
    w3 = 3 * expit((z1 - 1) / 0.3)
    conf = (z1**4 + z2**4) / 8192
    u1 = 0.5 * ((np.hypot(z1, z2) - 2) / 0.4) ** 2 - lse2(-0.5 * ((z1 - 2) / 0.6) ** 2,
                                                          -0.5 * ((z1 + 2) / 0.6) ** 2)
    u2 = 0.5 * ((z2 - w1) / 0.4) ** 2 + conf
    u3 = -lse2(-0.5 * ((z2 - w1) / 0.35) ** 2, -0.5 * ((z2 - w1 + w2) / 0.35) ** 2) + conf
    u4 = -lse2(-0.5 * ((z2 - w1) / 0.4) ** 2, -0.5 * ((z2 - w1 + w3) / 0.35) ** 2) + conf
    return {"u1": u1, "u2": u2, "u3": u3, "u4": u4}


def log_z_grid(half=25.0, step=0.01):
    n = int(round(2 * half / step)) + 1
    z = np.linspace(-half, half, n)
    wt = np.full(n, step)
    wt[[0, -1]] *= 0.5
    total = {k: 0.0 for k in ("u1", "u2", "u3", "u4")}
    for i in range(0, n, 500):  # rows of z1 in chunks
        z1 = z[i : i + 500, None]
        for k, u in energies(z1, z[None, :]).items():
            total[k] += float(wt[i : i + 500] @ np.exp(-u) @ wt)
    return {k: float(np.log(v)) for k, v in total.items()}


def energy_scalar(name, z1, z2):
    """One energy at one point, in plain floats (fast enough for adaptive quadrature)."""
    w1 = math.sin(2 * math.pi * z1 / 4)
    conf = (z1**4 + z2**4) / 8192
    if name == "u1":
        a, b = -0.5 * ((z1 - 2) / 0.6) ** 2, -0.5 * ((z1 + 2) / 0.6) ** 2
        m = max(a, b)
        return 0.5 * ((math.hypot(z1, z2) - 2) / 0.4) ** 2 - m - math.log(math.exp(a - m) + math.exp(b - m))
    if name == "u2":
        return 0.5 * ((z2 - w1) / 0.4) ** 2 + conf
    if name == "u3":
        a = -0.5 * ((z2 - w1) / 0.35) ** 2
        b = -0.5 * ((z2 - w1 + 3 * math.exp(-0.5 * ((z1 - 1) / 0.6) ** 2)) / 0.35) ** 2
    else:
        a = -0.5 * ((z2 - w1) / 0.4) ** 2
        b = -0.5 * ((z2 - w1 + 3 / (1 + math.exp(-(z1 - 1) / 0.3))) / 0.35) ** 2
    m = max(a, b)
    return -m - math.log(math.exp(a - m) + math.exp(b - m)) + conf


def log_z_quad(name, half=25.0):
    def inner(z1):
        w1 = math.sin(2 * math.pi * z1 / 4)
        pts = sorted({w1, w1 - 3 * math.exp(-0.5 * ((z1 - 1) / 0.6) ** 2), w1 - 3 * expit((z1 - 1) / 0.3),
                      -2.0, 0.0, 2.0})
        edges = [-half]
        for p in pts + [half]:
            if p > edges[-1] + 1e-6:  # drop breakpoints that nearly coincide
                edges.append(min(p, half))
        f = lambda z2: math.exp(-energy_scalar(name, z1, z2))
        return sum(integrate.quad(f, a, b, epsabs=1e-13, epsrel=1e-11, limit=200)[0]
                   for a, b in zip(edges[:-1], edges[1:]))

    outer_edges = np.arange(-half, half + 1e-9, 1.0)
    val = sum(integrate.quad(inner, a, b, epsabs=1e-12, epsrel=1e-10, limit=200)[0]
              for a, b in zip(outer_edges[:-1], outer_edges[1:]))
    return float(np.log(val))


def main():
    rng = np.random.default_rng(2015)
    g = np.linspace(-6.0, 6.0, 7)
    grid = np.stack(np.meshgrid(g, g, indexing="ij"), -1).reshape(-1, 2)
    grid = grid + rng.uniform(-0.5, 0.5, grid.shape)
    special = [(0.0, 0.0), (2.0, 0.0), (-2.0, 0.0), (1.0, 0.5), (0.0, 2.0),
               (30.0, -20.0), (-100.0, 5.0), (0.0, 1e3), (1e3, 0.0), (-40.0, -40.0), (15.0, 1.0)]
    points = np.concatenate([grid, np.array(special)])
    vals = energies(points[:, 0], points[:, 1])
    for k, v in vals.items():
        assert np.all(np.isfinite(v))
        assert np.allclose(v, [energy_scalar(k, a, b) for a, b in points], rtol=1e-13, atol=1e-13)

    by_grid = log_z_grid()
    by_quad = {k: log_z_quad(k) for k in by_grid}
    for k in by_grid:
        print(f"log Z {k}: grid {by_grid[k]:.12f}  quad {by_quad[k]:.12f}")
        assert abs(by_grid[k] - by_quad[k]) < 1e-7, k
    assert abs(by_grid["u1"] - 1.87750) < 1e-4

    out = {
        "description": "Energies U1..U4 of Rezende & Mohamed 2015 (Figure 3), float64, evaluated with a "
                       "stable log-sum-exp. w1 = sin(2 pi z1/4), w2 = 3 exp(-((z1-1)/0.6)^2/2), "
                       "w3 = 3 sigmoid((z1-1)/0.3). Generated by scripts/reference_energies.py.",
        "confinement": "(z1^4 + z2^4)/8192 added to u2, u3, u4",
        "points": points.tolist(),
        **{k: v.tolist() for k, v in vals.items()},
        "log_z": by_grid,
        "log_z_quad": by_quad,
        "log_z_method": "log_z: trapezoid rule on a uniform grid over [-25, 25]^2 with spacing 0.01 "
                        "(5001 x 5001 nodes); log_z_quad: nested adaptive scipy.integrate.quad over "
                        "[-25, 25]^2 (outer over z1 in unit panels, inner over z2 split at the modes). "
                        "The two agree to 1e-7.",
    }
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"wrote {OUT} ({len(points)} points)")


if __name__ == "__main__":
    main()
