//! sbibm's `slcp` (simple likelihood, complex posterior): four draws of a correlated 2-D
//! Gaussian whose mean, scales and correlation are set by `θ ∈ R⁵`; the posterior has four
//! modes (the signs of `θ3` and `θ4` are not identified).
//!
//! `θ ~ U[−3, 3]⁵`; `m = (θ1, θ2)`, `s1 = θ3²`, `s2 = θ4²`, `ρ = tanh θ5`,
//! `Σ = [[s1², ρ·s1·s2], [ρ·s1·s2, s2²]]`; `x` is four independent draws of `N(m, Σ)`,
//! flattened to `R⁸` draw by draw (`x1, x2` the first draw). Draws per simulation, in order:
//! five uniforms for `θ`, then two standard normals `(ε1, ε2)` per draw, which give
//! `(m1 + s1·ε1, m2 + s2·(ρ·ε1 + √(1 − ρ²)·ε2))` (the Cholesky factor of `Σ`).

use rand::{Rng, RngExt};

use super::prior::uniform_in;
use rand_distr::StandardNormal;

/// The width of `θ`.
pub const THETA_DIM: usize = 5;
/// The number of 2-D draws in `x`.
pub const DRAWS: usize = 4;
/// The width of `x`.
pub const X_DIM: usize = 2 * DRAWS;
/// The prior's support, per coordinate.
pub const PRIOR_BOUNDS: [f64; 2] = [-3.0, 3.0];

/// One `θ` from the prior.
pub fn prior(rng: &mut impl Rng) -> Vec<f64> {
    uniform_in(rng, [PRIOR_BOUNDS; THETA_DIM])
}

/// The mean, the two standard deviations and the correlation at `θ`: `(m, [s1, s2], ρ)`.
pub fn moments(theta: &[f64]) -> ([f64; 2], [f64; 2], f64) {
    (
        [theta[0], theta[1]],
        [theta[2].powi(2), theta[3].powi(2)],
        theta[4].tanh(),
    )
}

/// One `x` at `θ`.
pub fn simulator(theta: &[f64], rng: &mut impl Rng) -> Vec<f64> {
    let (m, s, rho) = moments(theta);
    let mut x = Vec::with_capacity(X_DIM);
    for _ in 0..DRAWS {
        let e1: f64 = rng.sample(StandardNormal);
        let e2: f64 = rng.sample(StandardNormal);
        x.push(m[0] + s[0] * e1);
        x.push(m[1] + s[1] * (rho * e1 + (1.0 - rho * rho).sqrt() * e2));
    }
    x
}
