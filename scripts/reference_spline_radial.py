#!/usr/bin/env python3
"""Float64 reference values for the rational-quadratic spline and the radial flow.

Regenerate with (from the repository root):

    scripts/.venv/bin/python scripts/reference_spline_radial.py

Writes crates/flow-model/tests/data/spline_vectors.json and radial_vectors.json.

Rational-quadratic spline (Durkan et al. 2019, "Neural Spline Flows"), one scalar at a time:
  widths  w = min_w + (1 - min_w K) softmax(theta_w), knots x_0 = -B, x_k = -B + 2B sum_{i<k} w_i,
          x_K = +B exactly; heights likewise from theta_h, giving y_0 = -B ... y_K = +B;
  derivatives d_0 = d_K = 1, d_k = min_d + softplus(theta_d[k-1] + c0), c0 = ln(e^(1 - min_d) - 1);
  inside [-B, B], in the bin with x_k <= x < x_{k+1} (x = B in the last bin), with
  s = dy/dx, xi = (x - x_k)/dx, denom = s + (d_{k+1} + d_k - 2s) xi (1 - xi):
      g(x)  = y_k + dy (s xi^2 + d_k xi (1 - xi)) / denom,
      g'(x) = s^2 (d_{k+1} xi^2 + 2 s xi (1 - xi) + d_k (1 - xi)^2) / denom^2, logdet = ln g'(x);
  outside [-B, B] the identity with logdet 0. The inverse solves the bin's quadratic in xi.
  Checked here: inverse(forward(x)) = x to 1e-12 and ln g' against a five-point central difference
  of the bin's g to 1e-7.

Radial flow (Rezende & Mohamed 2015): alpha = softplus(alpha_hat), beta = -alpha + softplus(beta_hat),
  f(z) = z + beta h (z - z0), h = 1/(alpha + r), r = |z - z0|,
  log|det J| = (D - 1) ln(1 + beta h) + ln(1 + beta h - beta r/(alpha + r)^2).
  The reference values are computed in the cancellation-free forms
  1 + beta h = (r + softplus(beta_hat)) / (alpha + r) and
  1 + beta h - beta r/(alpha + r)^2 = ((alpha + r)^2 + beta alpha) / (alpha + r)^2.
  Checked here: against ln|det| of a central-difference Jacobian, and the closed-form inverse
  r = ((r_y - alpha - beta) + sqrt((r_y - alpha - beta)^2 + 4 alpha r_y)) / 2,
  z = z0 + (y - z0) / (1 + beta/(alpha + r)).
"""

import json
import os

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "crates", "flow-model", "tests", "data")
MIN_W = MIN_H = MIN_D = 1e-3


def softplus(a):
    return np.logaddexp(0.0, a)


def softmax(a):
    e = np.exp(a - np.max(a))
    return e / e.sum()


def knots(theta, bound, min_size):
    k = len(theta)
    size = min_size + (1.0 - min_size * k) * softmax(theta)
    pos = np.empty(k + 1)
    pos[0] = -bound
    pos[1:k] = -bound + 2.0 * bound * np.cumsum(size)[: k - 1]
    pos[k] = bound
    return pos


def spline_params(tw, th, td, bound):
    c0 = np.log(np.expm1(1.0 - MIN_D))
    d = np.ones(len(tw) + 1)
    d[1:-1] = MIN_D + softplus(np.asarray(td) + c0)
    return knots(tw, bound, MIN_W), knots(th, bound, MIN_H), d


def bin_eval(xs, ys, d, k, x):
    """g and g' of bin k's rational quadratic at x (x may lie slightly outside the bin)."""
    dx, dy = xs[k + 1] - xs[k], ys[k + 1] - ys[k]
    s = dy / dx
    xi = (x - xs[k]) / dx
    t = xi * (1.0 - xi)
    denom = s + (d[k + 1] + d[k] - 2.0 * s) * t
    g = ys[k] + dy * (s * xi * xi + d[k] * t) / denom
    gp = s * s * (d[k + 1] * xi * xi + 2.0 * s * t + d[k] * (1.0 - xi) ** 2) / denom**2
    return g, gp


def find_bin(pos, v):
    return min(int(np.searchsorted(pos, v, side="right")) - 1, len(pos) - 2)


def spline_forward(xs, ys, d, bound, x):
    if x < -bound or x > bound:
        return x, 0.0, None
    k = find_bin(xs, x)
    g, gp = bin_eval(xs, ys, d, k, x)
    return g, np.log(gp), k


def spline_inverse(xs, ys, d, bound, y):
    if y < -bound or y > bound:
        return y
    k = find_bin(ys, y)
    dx, dy = xs[k + 1] - xs[k], ys[k + 1] - ys[k]
    s = dy / dx
    e = y - ys[k]
    m = d[k + 1] + d[k] - 2.0 * s
    a = dy * (s - d[k]) + e * m
    b = dy * d[k] - e * m
    c = -s * e
    xi = 2.0 * c / (-b - np.sqrt(b * b - 4.0 * a * c))
    return xs[k] + xi * dx


def spline_cases(rng):
    cases = []
    for bins in (5, 8):
        for bound in (3.0, 5.0):
            thetas = [np.zeros(3 * bins - 1)] + [rng.normal(0.0, 1.5, 3 * bins - 1) for _ in range(7)]
            for j, theta in enumerate(thetas):
                tw, th, td = theta[:bins], theta[bins : 2 * bins], theta[2 * bins :]
                xs, ys, d = spline_params(tw, th, td, bound)
                pts = list(rng.uniform(-1.2 * bound, 1.2 * bound, 5))
                if j == 1:
                    pts[:3] = [-bound, bound, xs[bins // 2]]  # both edges and an interior knot
                if j == 2:
                    pts[0] = xs[1]
                for x in pts:
                    y, logdet, k = spline_forward(xs, ys, d, bound, x)
                    if j == 0:
                        assert abs(y - x) < 1e-12 and abs(logdet) < 1e-12, "zero thetas must be the identity"
                    back = spline_inverse(xs, ys, d, bound, y)
                    assert abs(back - x) < 1e-12, (x, back)
                    if k is not None:
                        h = 1e-4 * (xs[k + 1] - xs[k])
                        f = [bin_eval(xs, ys, d, k, x + i * h)[0] for i in (-2, -1, 1, 2)]
                        fd = (f[0] - 8.0 * f[1] + 8.0 * f[2] - f[3]) / (12.0 * h)  # five-point central
                        assert abs(np.log(fd) - logdet) < 1e-7, (x, np.log(fd), logdet)
                    cases.append({"bins": bins, "tail_bound": bound, "theta_w": tw.tolist(),
                                  "theta_h": th.tolist(), "theta_d": td.tolist(),
                                  "x": float(x), "y": float(y), "logdet": float(logdet)})
    return cases


def radial_forward(z0, ahat, bhat, z):
    alpha, sp_b = softplus(ahat), softplus(bhat)
    beta = -alpha + sp_b
    r = np.linalg.norm(z - z0)
    ar = alpha + r
    y = z + beta / ar * (z - z0)
    one_plus_bh = (r + sp_b) / ar
    second = (ar * ar + beta * alpha) / (ar * ar)
    logdet = (len(z) - 1) * np.log(one_plus_bh) + np.log(second)
    return y, logdet


def radial_inverse(z0, alpha, beta, y):
    ry = np.linalg.norm(y - z0)
    c = ry - alpha - beta
    r = 0.5 * (c + np.sqrt(c * c + 4.0 * alpha * ry))
    return z0 + (y - z0) / (1.0 + beta / (alpha + r))


def radial_cases(rng):
    cases = []
    for dim in (1, 2, 3, 5):
        params = [(rng.normal(), rng.normal()) for _ in range(3)] + [(rng.normal(), -10.0)]
        for ahat, bhat in params:
            z0 = rng.normal(size=dim)
            alpha = softplus(ahat)
            beta = -alpha + softplus(bhat)
            pts = []
            for scale in (1e-2, 0.1, 0.5):  # near z0
                u = rng.normal(size=dim)
                pts.append(z0 + scale * u / np.linalg.norm(u))
            pts += [rng.normal(size=dim) for _ in range(4)]
            pts += [z0 + 3.0 * rng.normal(size=dim)]
            for _ in range(2):  # far away, |z| ~ 50
                u = rng.normal(size=dim)
                pts.append(50.0 * u / np.linalg.norm(u))
            outs, logdets = [], []
            for z in pts:
                y, logdet = radial_forward(z0, ahat, bhat, z)
                h = 1e-6 * max(1.0, np.linalg.norm(z - z0))
                jac = np.empty((dim, dim))
                for i in range(dim):
                    e = np.zeros(dim)
                    e[i] = h
                    jac[:, i] = (radial_forward(z0, ahat, bhat, z + e)[0]
                                 - radial_forward(z0, ahat, bhat, z - e)[0]) / (2 * h)
                fd = np.linalg.slogdet(jac)[1]
                assert abs(fd - logdet) < 1e-6, (dim, z, fd, logdet)
                back = radial_inverse(z0, alpha, beta, y)
                assert np.max(np.abs(back - z)) < 1e-10, (z, back)
                outs.append(y.tolist())
                logdets.append(float(logdet))
            cases.append({"dim": dim, "z0": z0.tolist(), "alpha_hat": float(ahat), "beta_hat": float(bhat),
                          "alpha": float(alpha), "beta": float(beta), "points": [p.tolist() for p in pts],
                          "outputs": outs, "logdet": logdets})
    return cases


def main():
    rng = np.random.default_rng(20190610)
    spline = {
        "description": "Rational-quadratic spline (Durkan et al. 2019), float64, one scalar per case. "
                       "w = min_w + (1 - min_w K) softmax(theta_w), x_0 = -B, x_k = -B + 2B cumsum(w)_{k-1}, "
                       "x_K = B; heights likewise from theta_h; d_0 = d_K = 1, d_k = min_d + "
                       "softplus(theta_d[k-1] + ln(e^(1 - min_d) - 1)). Identity with logdet 0 outside "
                       "[-B, B]. y = g(x), logdet = ln g'(x). Cases with all-zero thetas are the identity. "
                       "Generated by scripts/reference_spline_radial.py.",
        "min_bin_width": MIN_W, "min_bin_height": MIN_H, "min_derivative": MIN_D,
        "cases": spline_cases(rng),
    }
    radial = {
        "description": "Radial flow (Rezende & Mohamed 2015), float64. alpha = softplus(alpha_hat), "
                       "beta = -alpha + softplus(beta_hat); outputs = z + beta (z - z0)/(alpha + r), "
                       "r = |z - z0|; logdet = (D - 1) ln(1 + beta h) + ln(1 + beta h - beta r/(alpha + r)^2), "
                       "h = 1/(alpha + r). Generated by scripts/reference_spline_radial.py.",
        "cases": radial_cases(rng),
    }
    for name, obj in (("spline_vectors.json", spline), ("radial_vectors.json", radial)):
        path = os.path.join(OUT_DIR, name)
        with open(path, "w") as f:
            json.dump(obj, f, indent=1)
            f.write("\n")
        print(f"wrote {path} ({len(obj['cases'])} cases, {os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
